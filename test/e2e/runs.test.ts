// Running scripts by hand: what a user sees in the execution record for every way a script
// can end, and what the sandbox keeps out of reach.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { System } from "../support/system.ts";

let system: System;

beforeAll(async () => {
  system = await System.start();
});
afterAll(async () => {
  await system?.destroy();
});

async function runCode(name: string, code: string, input: unknown = null, extra: Record<string, unknown> = {}) {
  const id = await system.script({ name, code, ...extra });
  const r = await system.run(id, input);
  expect(r.status).toBe(200);
  return r.body;
}

describe("a sync run", () => {
  test("returns the output, the logs in order, and is kept in history", async () => {
    const e = await runCode(
      "invoice-total",
      `export default async function (input, ctx) {
        console.log("items:", input.items.length);
        ctx.log.warn({ big: input.items.some((i) => i.price > 100) });
        console.error(new Error("not fatal"));
        return { total: input.items.reduce((s, i) => s + i.price, 0), tenant: ctx.tenant.slug, trigger: ctx.trigger, attempt: ctx.attempt, executionId: ctx.executionId };
      }`,
      { items: [{ price: 40 }, { price: 150 }] },
    );
    expect(e).toMatchObject({ status: "succeeded", trigger: "manual", attempt: 1, version: 1, input: { items: [{ price: 40 }, { price: 150 }] } });
    expect(e.output).toEqual({ total: 190, tenant: "default", trigger: "manual", attempt: 1, executionId: e.id });
    expect(e.logs.map((l: { level: string; message: string }) => [l.level, l.message.split("\n")[0]])).toEqual([
      ["info", "items: 2"],
      ["warn", '{"big":true}'],
      ["error", "Error: not fatal"],
    ]);
    expect(e.durationMs).toBeGreaterThanOrEqual(0);
    expect(Date.parse(e.finishedAt)).toBeGreaterThanOrEqual(Date.parse(e.startedAt));
    const stored = await system.api("GET", `/admin/api/executions/${e.id}`);
    expect(stored.body).toEqual(e);
  });

  test("a thrown error fails it with a stack that points into the user's own lines", async () => {
    const e = await runCode("thrower", `export default async function (input) {\n  const order = input.order;\n  return order.total.toFixed(2);\n}\n`, {
      order: {},
    });
    expect(e.status).toBe("failed");
    expect(e.error.code).toBe("SCRIPT_ERROR");
    expect(e.error.message).toMatch(/^TypeError: .*toFixed/);
    expect(e.error.stack).toMatch(/script\.js:3:\d+/);
    expect(e.error.stack).not.toMatch(/harness/);
  });

  test("a throw at module top level fails it as a load error", async () => {
    const e = await runCode("toplevel", `throw new RangeError("config missing");\nexport default () => 1;`);
    expect(e.status).toBe("failed");
    expect(e.error).toMatchObject({ code: "LOAD_ERROR", message: "RangeError: config missing" });
  });

  test("a return value that is not JSON fails it with a clear reason", async () => {
    const cyclic = await runCode("cyclic", `export default () => { const a = {}; a.self = a; return a; }`);
    expect(cyclic).toMatchObject({ status: "failed", error: { code: "OUTPUT_NOT_SERIALIZABLE" } });
    const big = await runCode("bigint", `export default () => 10n`);
    expect(big).toMatchObject({ status: "failed", error: { code: "OUTPUT_NOT_SERIALIZABLE" } });
  });

  test("the 1 MB return value cap counts bytes, not characters", async () => {
    // 400,000 euro signs: 400,002 characters of JSON, 1,200,002 bytes of UTF-8.
    const wide = await runCode("wide-output", `export default () => "€".repeat(400_000)`);
    expect(wide).toMatchObject({ status: "failed", error: { code: "OUTPUT_TOO_LARGE", message: expect.stringContaining("1200002 bytes") } });
    const narrow = await runCode("narrow-output", `export default () => "e".repeat(400_000)`);
    expect(narrow).toMatchObject({ status: "succeeded" });
  });

  test("a log line or progress message with a NUL keeps what follows it in history", async () => {
    const e = await runCode(
      "nul-log",
      `export default (i, ctx) => { console.log("before\\u0000after"); ctx.progress(50, "half\\u0000way"); return "\\u0000ok"; }`,
    );
    const stored = (await system.api("GET", `/admin/api/executions/${e.id}`)).body;
    expect(stored.logs[0].message).toBe("before\u2400after");
    expect(stored.progress).toEqual({ percent: 50, message: "half\u2400way" });
    expect(stored.output).toBe("\u0000ok");
  });

  test("returning nothing succeeds with null output", async () => {
    const e = await runCode("void", `export default async () => { console.info("done"); }`);
    expect(e).toMatchObject({ status: "succeeded", output: null, logs: [{ level: "info", message: "done" }] });
  });

  test("a non-Error throw is reported too", async () => {
    const e = await runCode("throwstring", `export default () => { throw { reason: "nope" }; }`);
    expect(e).toMatchObject({ status: "failed", error: { code: "SCRIPT_ERROR", message: 'Uncaught {"reason":"nope"}' } });
  });

  test("a specific version can be run", async () => {
    const id = await system.script({ name: "versioned", code: "export default () => 'one';" });
    await system.api("PATCH", `/admin/api/scripts/${id}`, { code: "export default () => 'two';" });
    expect((await system.run(id, null)).body).toMatchObject({ version: 2, output: "two" });
    const old = await system.api("POST", `/admin/api/scripts/${id}/runs`, { version: 1 });
    expect(old.body).toMatchObject({ version: 1, output: "one" });
    expect((await system.api("POST", `/admin/api/scripts/${id}/runs`, { version: 3 })).status).toBe(422);
  });

  test("bad run requests are refused and record nothing", async () => {
    const id = await system.script({ name: "strict", code: "export default () => 1;" });
    const before = await system.api("GET", `/admin/api/executions?scriptId=${id}`);
    expect((await system.api("POST", `/admin/api/scripts/${id}/runs`, { input: 1, mode: "later" })).body.error.field).toBe("mode");
    expect((await system.api("POST", `/admin/api/scripts/${id}/runs`, { inputs: 1 })).body.error.field).toBe("inputs");
    const huge = await system.api("POST", `/admin/api/scripts/${id}/runs`, { input: "x".repeat(1024 * 1024) });
    expect(huge.status).toBe(422);
    expect(huge.body.error.field).toBe("input");
    const after = await system.api("GET", `/admin/api/executions?scriptId=${id}`);
    expect(after.body.items).toEqual(before.body.items);
  });
});

describe("an async run", () => {
  test("answers 202 at once and finishes in the background", async () => {
    const id = await system.script({
      name: "slowpoke",
      code: `export default async (input, ctx) => { await new Promise((r) => setTimeout(r, 1500)); ctx.log.info("woke"); return input * 2; }`,
    });
    const r = await system.api("POST", `/admin/api/scripts/${id}/runs`, { input: 21, mode: "async" });
    expect(r.status).toBe(202);
    expect(["queued", "running"]).toContain(r.body.status);
    const meanwhile = await system.api("GET", `/admin/api/executions/${r.body.id}`);
    expect(["queued", "running"]).toContain(meanwhile.body.status);
    expect(r.headers.get("location")).toBe(`/admin/api/executions/${r.body.id}`);
    const e = await system.waitForExecution(r.body.id);
    expect(e).toMatchObject({ status: "succeeded", output: 42, logs: [{ level: "info", message: "woke" }] });
  });
});

describe("timeouts", () => {
  test("a script that awaits past its timeout ends timed_out, keeping its logs", async () => {
    const e = await runCode("sleeper", `export default async (i, ctx) => { console.log("starting"); await new Promise((r) => setTimeout(r, 60_000)); }`, null, {
      timeoutMs: 500,
    });
    expect(e).toMatchObject({ status: "timed_out", error: { code: "TIMEOUT" }, logs: [{ level: "info", message: "starting" }] });
    expect(e.durationMs).toBeLessThan(1500);
  });

  test("a CPU-bound loop is stopped within a second of its deadline, keeping its logs, and the runner comes back", async () => {
    const e = await runCode("spinner", `export default () => { console.log("about to spin"); while (true) {} }`, null, { timeoutMs: 500 });
    expect(e).toMatchObject({ status: "timed_out", error: { code: "TIMEOUT" }, logs: [{ level: "info", message: "about to spin" }] });
    expect(e.durationMs).toBeLessThan(1500);
    const next = await runCode("after-spin", `export default () => "alive"`);
    expect(next).toMatchObject({ status: "succeeded", output: "alive" });
  });

  test("the script sees its deadline and an abort signal", async () => {
    const e = await runCode(
      "polite",
      `export default async (i, ctx) => {
        await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve));
        console.log("aborted", ctx.signal.aborted);
      }`,
      null,
      { timeoutMs: 300 },
    );
    expect(e).toMatchObject({ status: "timed_out", logs: [{ level: "info", message: "aborted true" }] });
  });

  test("a script told of its deadline can still clean up through the SDK", async () => {
    const id = await system.script({
      name: "tidy",
      timeoutMs: 300,
      code: `export default async (i, ctx) => {
        ctx.signal.addEventListener("abort", () => { ctx.kv.put("lock", "released"); });
        await ctx.kv.put("lock", "held");
        await new Promise(() => {});
      }`,
    });
    expect((await system.run(id, null)).body.status).toBe("timed_out");
    const check = await system.script({ name: "tidy-check", code: "export default (i, ctx) => ctx.kv.get('lock')" });
    let lock: unknown;
    for (let i = 0; i < 20 && lock !== "released"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      lock = (await system.run(check, null)).body.output;
    }
    expect(lock).toBe("released");
  });
});

describe("the sandbox", () => {
  test("has no process, require, file system or node modules", async () => {
    const e = await runCode(
      "probe",
      `export default async () => {
        const tryImport = async (m) => { try { await import(m); return "loaded"; } catch (e) { return "refused"; } };
        return {
          process: typeof process, require: typeof require, Buffer: typeof Buffer,
          fs: await tryImport("node:fs"), child: await tryImport("node:child_process"), fsPlain: await tryImport("fs"),
        };
      }`,
    );
    expect(e.output).toEqual({ process: "undefined", require: "undefined", Buffer: "undefined", fs: "refused", child: "refused", fsPlain: "refused" });
  });

  test("cannot generate code from strings", async () => {
    const e = await runCode(
      "codegen",
      `export default () => {
        const attempt = (f) => { try { f(); return "ran"; } catch (e) { return e.name; } };
        return [attempt(() => eval("1")), attempt(() => new Function("return 1")()), attempt(() => (async function(){}).constructor("return 1"))];
      }`,
    );
    expect(e.output).toEqual(["EvalError", "EvalError", "EvalError"]);
  });

  test("cannot reach the network directly", async () => {
    const e = await runCode(
      "netprobe",
      `export default async () => { try { await fetch("http://127.0.0.1:${system.port}/healthz"); return "reached"; } catch (e) { return "blocked"; } }`,
    );
    expect(e.output).toBe("blocked");
  });

  test("cannot forge log lines or reach the console it replaced", async () => {
    const e = await runCode(
      "forger",
      `export default async () => {
        console.log("line one\\nline two");
        const proto = Object.getPrototypeOf(console);
        try { proto.log?.call(console, "via prototype"); } catch {}
        try { console.log = () => {}; } catch {}
        console.log("still captured");
        return "ok";
      }`,
    );
    const messages = e.logs.map((l: { message: string }) => l.message);
    expect(messages).toContain("line one\nline two");
    expect(messages).toContain("still captured");
  });

  test("two versions of a script never share an isolate's state", async () => {
    const id = await system.script({ name: "stateful", code: `let n = 0; export default () => ++n;` });
    expect((await system.run(id, null)).body.output).toBe(1);
    expect((await system.run(id, null)).body.output).toBe(2);
    await system.api("PATCH", `/admin/api/scripts/${id}`, { code: `let n = 100; export default () => ++n;` });
    expect((await system.run(id, null)).body.output).toBe(101);
  });
});

describe("history", () => {
  test("is searchable by script, status and trigger, newest first, in pages", async () => {
    const id = await system.script({ name: "pager", code: `export default (i) => { if (i % 2) throw new Error("odd"); return i; }` });
    for (let i = 0; i < 5; i++) await system.run(id, i);
    const page1 = await system.api("GET", `/admin/api/executions?scriptId=${id}&limit=2`);
    expect(page1.body.items.map((x: { input: unknown }) => x.input)).toEqual([undefined, undefined]);
    const page2 = await system.api("GET", `/admin/api/executions?scriptId=${id}&limit=2&cursor=${page1.body.nextCursor}`);
    const page3 = await system.api("GET", `/admin/api/executions?scriptId=${id}&limit=2&cursor=${page2.body.nextCursor}`);
    expect(page3.body.nextCursor).toBeNull();
    const all = [...page1.body.items, ...page2.body.items, ...page3.body.items];
    expect(all).toHaveLength(5);
    expect(new Set(all.map((x: { id: string }) => x.id)).size).toBe(5);
    const times = all.map((x: { createdAt: string }) => x.createdAt);
    expect([...times].sort().reverse()).toEqual(times);

    const failed = await system.api("GET", `/admin/api/executions?scriptId=${id}&status=failed`);
    expect(failed.body.items).toHaveLength(2);
    expect(failed.body.items.every((x: { status: string; errorCode: string }) => x.status === "failed" && x.errorCode === "SCRIPT_ERROR")).toBe(true);
    const manual = await system.api("GET", `/admin/api/executions?scriptId=${id}&trigger=manual&status=succeeded`);
    expect(manual.body.items).toHaveLength(3);
  });

  test("bad filters answer 422 naming them", async () => {
    expect((await system.api("GET", "/admin/api/executions?status=done")).body.error.field).toBe("status");
    expect((await system.api("GET", "/admin/api/executions?limit=0")).body.error.field).toBe("limit");
    expect((await system.api("GET", "/admin/api/executions?cursor=garbage")).body.error.field).toBe("cursor");
    expect((await system.api("GET", "/admin/api/executions?since=yesterday")).body.error.field).toBe("since");
    expect((await system.api("GET", "/admin/api/executions/exe_nope")).status).toBe(404);
  });
});
