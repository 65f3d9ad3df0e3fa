// TypeScript scripts over the API: types stripped at save with every line and column kept, what
// cannot be stripped refused where it stands, the TypeScript kept as the version's code.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { System } from "../support/system.ts";

// Interfaces, generics, `as`, `!`, a type-only import and an optional parameter: all blanked.
const pricing = `import type { ScriptContext } from "iota:sdk";

interface Line<T extends string = string> {
  sku: T;
  qty: number;
}

function total<T extends string>(lines: Line<T>[], unit: (sku: T) => number, discount?: number): number {
  const sum = lines.reduce((acc: number, l) => acc + l.qty * unit(l.sku), 0);
  return sum * (1 - (discount ?? 0));
}

export default async function (input: { lines: Line[] }, ctx: ScriptContext): Promise<{ total: number }> {
  const prices = { "A-1": 10, "B-2": 4 } as Record<string, number>;
  return { total: total(input.lines, (sku) => prices[sku]!, 0.5) };
}
`;

const thrower = `type Order = { total?: { amount: number } };

export default async function (input: { order: Order }): Promise<string> {
  const order: Order = input.order;
  // a comment, so the line below is not the third
  const label: string = "order";
  return label + order.total!.amount.toFixed(2);
}
`;

let system: System;

beforeAll(async () => {
  system = await System.start();
});
afterAll(async () => {
  await system?.destroy();
});

describe("a TypeScript script", () => {
  test("with interfaces and generics saves, keeps its TypeScript, and runs", async () => {
    const created = await system.api("POST", "/admin/api/scripts", { name: "ts-pricing", kind: "manual", language: "ts", code: pricing });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ language: "ts", code: pricing, version: 1 });
    const version = await system.api("GET", `/admin/api/scripts/${created.body.id}/versions/1`);
    expect(version.body).toMatchObject({ language: "ts", code: pricing });
    const run = await system.run(created.body.id, { lines: [{ sku: "A-1", qty: 3 }, { sku: "B-2", qty: 5 }] });
    expect(run.body).toMatchObject({ status: "succeeded", output: { total: 25 } });
  });

  test("a runtime error's stack points at the TypeScript's own line and column", async () => {
    const id = await system.script({ name: "ts-thrower", language: "ts", code: thrower });
    const run = await system.run(id, { order: {} });
    expect(run.body.status).toBe("failed");
    expect(run.body.error.message).toMatch(/^TypeError: .*amount/);
    // V8 points at the property it could not read, exactly where the TypeScript has it.
    const column = thrower.split("\n")[6]!.indexOf("amount") + 1;
    expect(run.body.error.stack).toMatch(new RegExp(`script\\.[jt]s:7:${column}\\b`));
  });

  test("an enum is refused at save with its line and column and what to write instead", async () => {
    const code = `export default async function () {\n  return Color.Red;\n}\n\nenum Color {\n  Red,\n}\n`;
    const r = await system.api("POST", "/admin/api/scripts", { name: "ts-enum", kind: "manual", language: "ts", code });
    expect(r.status).toBe(422);
    expect(r.body.error).toMatchObject({ code: "SYNTAX_ERROR", field: "code", details: { line: 5, column: 1 } });
    expect(r.body.error.message).toContain("line 5, column 1");
    expect(r.body.error.message).toContain("as const");
    expect((await system.api("GET", "/admin/api/scripts?q=ts-enum")).body.items).toEqual([]);
  });

  test.each([
    ["a namespace", `namespace Rates {\n  export const vat = 0.2;\n}\nexport default () => Rates.vat;\n`, 1, 1, "plain object"],
    ["a parameter property", `class Rate {\n  constructor(private value: number) {}\n}\nexport default () => new Rate(1);\n`, 2, 15, "declare the field"],
    ["a TypeScript syntax error", `export default async function (input: ) {\n  return 1;\n}\n`, 1, 39, "Type expected"],
  ])("%s is refused with its line and column", async (_what, code, line, column, hint) => {
    const r = await system.api("POST", "/admin/api/scripts", { name: "ts-refused", kind: "manual", language: "ts", code });
    expect(r.status).toBe(422);
    expect(r.body.error).toMatchObject({ code: "SYNTAX_ERROR", details: { line, column } });
    expect(r.body.error.message).toContain(hint);
  });

  test("a type error is not refused: types are the editor's to check, not the server's", async () => {
    const code = `export default async function (): Promise<number> {\n  const n: number = "not a number";\n  return n;\n}\n`;
    const r = await system.api("POST", "/admin/api/scripts", { name: "ts-typed-loosely", kind: "manual", language: "ts", code });
    expect(r.status).toBe(201);
  });

  test("the same code as JavaScript refuses its types as a syntax error", async () => {
    const r = await system.api("POST", "/admin/api/scripts", { name: "js-with-types", kind: "manual", code: pricing });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe("SYNTAX_ERROR");
  });
});

describe("versions across languages", () => {
  test("a change of language alone makes a version, and a rollback to JavaScript runs as JavaScript", async () => {
    const js = `export default async function (input) {\n  return { lang: "js", n: input.n };\n}\n`;
    const id = await system.script({ name: "lang-switch", code: js });
    const ts = `export default async function (input: { n: number }) {\n  return { lang: "ts", n: input.n as number };\n}\n`;
    const v2 = await system.api("PATCH", `/admin/api/scripts/${id}`, { code: ts, language: "ts", message: "to TypeScript" });
    expect(v2.body).toMatchObject({ version: 2, language: "ts" });
    expect((await system.run(id, { n: 2 })).body.output).toEqual({ lang: "ts", n: 2 });

    const rolled = await system.api("POST", `/admin/api/scripts/${id}/rollback`, { version: 1 });
    expect(rolled.body).toMatchObject({ version: 3, language: "js", code: js });
    expect((await system.run(id, { n: 3 })).body.output).toEqual({ lang: "js", n: 3 });
    const versions = await system.api("GET", `/admin/api/scripts/${id}/versions`);
    expect(versions.body.items.map((v: { number: number; language: string }) => [v.number, v.language])).toEqual([
      [3, "js"],
      [2, "ts"],
      [1, "js"],
    ]);

    // Back to TypeScript by the rollback too: the stripped code saved with version 2 runs again.
    await system.api("POST", `/admin/api/scripts/${id}/rollback`, { version: 2 });
    expect((await system.run(id, { n: 4 })).body.output).toEqual({ lang: "ts", n: 4 });
  });

  test("switching a script's language checks its code as the new language", async () => {
    const code = `export default async function (input: { n: number }) {\n  return input.n;\n}\n`;
    const id = await system.script({ name: "lang-check", language: "ts", code });
    const r = await system.api("PATCH", `/admin/api/scripts/${id}`, { language: "js" });
    expect(r.status).toBe(422);
    expect(r.body.error).toMatchObject({ code: "SYNTAX_ERROR", details: { line: 1, column: 37 } });
    const unchanged = await system.api("GET", `/admin/api/scripts/${id}`);
    expect(unchanged.body).toMatchObject({ version: 1, language: "ts" });
  });
});
