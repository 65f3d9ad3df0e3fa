// TypeScript scripts over the API: types stripped at save with every line and column kept, what
// cannot be stripped refused where it stands, the TypeScript kept as the version's code.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { System } from "../support/system.ts";

const exec = promisify(execFile);
const bin = fileURLToPath(new URL("../../cli/bin.js", import.meta.url));

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
    const run = await system.run(created.body.id, {
      lines: [
        { sku: "A-1", qty: 3 },
        { sku: "B-2", qty: 5 },
      ],
    });
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

describe("iota with TypeScript scripts", () => {
  let repo: string;
  let tenant: { slug: string; token: string };
  let id: string;
  const quote = `import type { ScriptContext } from "iota:sdk";

export default async function (input: { qty: number }, ctx: ScriptContext): Promise<{ total: number }> {
  ctx.log.info("quoting " + input.qty);
  return { total: input.qty * 2 };
}
`;

  /** The CLI as CI runs it: credentials from the environment, in the repository. */
  async function iota(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const env = {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("IOTA_"))),
      HOME: repo,
      XDG_CONFIG_HOME: join(repo, ".config"),
      IOTA_URL: system.baseUrl,
      IOTA_TOKEN: tenant.token,
      NO_COLOR: "1",
    };
    try {
      const { stdout, stderr } = await exec(process.execPath, [bin, ...args], { cwd: repo, env });
      return { code: 0, stdout, stderr };
    } catch (e) {
      const failed = e as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  }

  beforeAll(async () => {
    tenant = await system.tenant("ts-cli");
    id = await system.script({ name: "quote", language: "ts", code: quote }, tenant.token);
    repo = await mkdtemp(join(tmpdir(), "iota-ts-repo-"));
    await exec("git", ["init", "--quiet", "--initial-branch=main"], { cwd: repo });
    expect((await iota("init")).code).toBe(0);
  });
  afterAll(async () => {
    if (repo) await rm(repo, { recursive: true, force: true });
  });

  test("pull writes a TypeScript script as a .ts file", async () => {
    const r = await iota("pull");
    expect(r.code, r.stderr).toBe(0);
    expect((await readdir(join(repo, "scripts"))).sort()).toEqual(["quote.json", "quote.ts"]);
    expect(await readFile(join(repo, "scripts/quote.ts"), "utf8")).toBe(quote);
  });

  test("push refuses a type error with its file, line and column, and pushes once it is fixed", async () => {
    const path = join(repo, "scripts/quote.ts");
    await writeFile(path, quote.replace("return { total: input.qty * 2 };", "const total: string = input.qty * 2;\n  return { total };"));
    const refused = await iota("push", "-m", "Quote as text");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/scripts\/quote\.ts:5:9 error TS2322: Type 'number' is not assignable to type 'string'/);
    expect(refused.stderr).toMatch(/scripts\/quote\.ts:6:12 error TS2322/);
    expect((await system.api("GET", `/admin/api/scripts/${id}`, undefined, { token: tenant.token })).body.version).toBe(1);

    // --no-typecheck sends it anyway: the server strips types and does not check them.
    const unchecked = await iota("push", "--no-typecheck", "--json", "-m", "Quote as text, unchecked");
    expect(unchecked.code, unchecked.stderr).toBe(0);
    expect(JSON.parse(unchecked.stdout).scripts[0]).toMatchObject({ name: "quote", action: "update", version: 2 });

    await writeFile(path, quote.replace("input.qty * 2", "input.qty * 3"));
    const pushed = await iota("push", "--json", "-m", "Triple it");
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(JSON.parse(pushed.stdout).scripts[0]).toMatchObject({ name: "quote", action: "update", version: 3 });
    const script = await system.api("GET", `/admin/api/scripts/${id}`, undefined, { token: tenant.token });
    expect(script.body).toMatchObject({ language: "ts", version: 3, code: quote.replace("input.qty * 2", "input.qty * 3") });
    expect((await system.run(id, { qty: 5 }, tenant.token)).body.output).toEqual({ total: 15 });
  });

  test("a new .ts file is created as a TypeScript script", async () => {
    await writeFile(join(repo, "scripts/double.ts"), `export default async (input: { n: number }): Promise<number> => input.n * 2;\n`);
    await writeFile(join(repo, "scripts/double.json"), `{ "kind": "manual" }\n`);
    const r = await iota("push", "--json", "-m", "Add double");
    expect(r.code, r.stderr).toBe(0);
    const created = JSON.parse(r.stdout).scripts.find((s: { name: string }) => s.name === "double");
    expect(created).toMatchObject({ action: "create", version: 1 });
    const script = await system.api("GET", `/admin/api/scripts/${created.id}`, undefined, { token: tenant.token });
    expect(script.body.language).toBe("ts");
  });
});
