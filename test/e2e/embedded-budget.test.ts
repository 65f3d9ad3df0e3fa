// Embedded calls as a checkout makes them: a latency budget with a fallback that answers at once
// when the script is slow (the execution still runs and is recorded), and a script that refuses
// its input with a 4xx of its own instead of a 500.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createIotaClient, IotaError } from "../../client/index.ts";
import { System } from "../support/system.ts";

let system: System;
let iota: ReturnType<typeof createIotaClient>;

const slowQuote = `export default async function (input) {
  await new Promise((resolve) => setTimeout(resolve, 1500));
  return { total: input.qty * 10, slow: true };
}
`;

const strictQuote = `const prices = { "A-1": 10 };
export default async function (input) {
  if (!(input.sku in prices)) throw Object.assign(new Error("unknown sku " + input.sku), { status: 404 });
  if (input.qty < 1) throw Object.assign(new TypeError("qty must be at least 1"), { status: 422 });
  if (input.qty > 1000) throw Object.assign(new Error("too many"), { status: 503 });
  if (input.qty === 13) throw Object.defineProperty(new Error("unlucky"), "status", { get: () => 400 });
  return { total: prices[input.sku] * input.qty };
}
`;

beforeAll(async () => {
  system = await System.start();
  iota = createIotaClient({ baseUrl: system.baseUrl, token: system.token });
  await system.script({ name: "slow-quote", kind: "embedded", code: slowQuote });
  await system.script({ name: "strict-quote", kind: "embedded", code: strictQuote });
});
afterAll(async () => {
  await system?.destroy();
});

describe("an embedded call with a latency budget", () => {
  test("past the budget the caller gets the fallback, and the execution goes on to succeed in the history", async () => {
    const quote = await iota.invoke("slow-quote", { qty: 3 }, { budgetMs: 100, fallback: { total: 0, estimated: true } });
    expect(quote).toMatchObject({ value: { total: 0, estimated: true }, fallback: true });
    expect(quote.executionId).toMatch(/^exe_/);

    const execution = await system.waitForExecution(quote.executionId);
    expect(execution).toMatchObject({ status: "succeeded", trigger: "embedded", output: { total: 30, slow: true } });
  });

  test("within the budget the caller gets the script's value, not the fallback", async () => {
    const quote = await iota.invoke<{ total: number }>("strict-quote", { sku: "A-1", qty: 2 }, { budgetMs: 10_000, fallback: { total: 0 } });
    expect(quote).toMatchObject({ value: { total: 20 }, fallback: false });
  });

  test("over HTTP: headers in, the fallback marked by a header out, null without a fallback", async () => {
    const r = await system.api("POST", "/api/invoke/slow-quote", { qty: 1 }, { headers: { "x-iota-budget-ms": "50" } });
    expect(r.status).toBe(200);
    expect(r.body).toBeNull();
    expect(r.headers.get("x-iota-fallback")).toBe("true");
    expect(r.headers.get("x-iota-execution-id")).toMatch(/^exe_/);
  });

  test.each([
    [{ "x-iota-budget-ms": "soon" }, "x-iota-budget-ms"],
    [{ "x-iota-budget-ms": "0" }, "x-iota-budget-ms"],
    [{ "x-iota-budget-ms": "100", "x-iota-fallback": "{not json" }, "x-iota-fallback"],
    [{ "x-iota-fallback": "0" }, "x-iota-fallback"],
  ])("a bad budget %j is refused, naming the header", async (headers, field) => {
    const r = await system.api("POST", "/api/invoke/slow-quote", { qty: 1 }, { headers });
    expect(r.status).toBe(422);
    expect(r.body.error).toMatchObject({ code: "VALIDATION_FAILED", field });
  });
});

describe("an embedded script that refuses its input", () => {
  test("a thrown error with a 4xx status answers it as SCRIPT_REJECTED with the message, and is recorded as failed", async () => {
    const r = await system.api("POST", "/api/invoke/strict-quote", { sku: "Z-9", qty: 1 });
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ error: { code: "SCRIPT_REJECTED", message: "unknown sku Z-9" } });
    const id = r.headers.get("x-iota-execution-id")!;
    expect(await system.waitForExecution(id)).toMatchObject({ status: "failed", error: { code: "SCRIPT_ERROR", message: "Error: unknown sku Z-9" } });

    const invalid = await system.api("POST", "/api/invoke/strict-quote", { sku: "A-1", qty: 0 });
    expect(invalid.status).toBe(422);
    expect(invalid.body.error).toEqual({ code: "SCRIPT_REJECTED", message: "qty must be at least 1" });
  });

  test("the client rejects with the status and SCRIPT_REJECTED", async () => {
    const refused = await iota.invoke("strict-quote", { sku: "Z-9", qty: 1 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(IotaError);
    expect(refused).toMatchObject({ status: 404, code: "SCRIPT_REJECTED", message: "unknown sku Z-9" });
  });

  test("a status outside 400-499, or one behind a getter, is a script failure (500)", async () => {
    for (const qty of [5000, 13]) {
      const r = await system.api("POST", "/api/invoke/strict-quote", { sku: "A-1", qty });
      expect(r.status).toBe(500);
      expect(r.body.error.code).toBe("SCRIPT_ERROR");
    }
  });
});
