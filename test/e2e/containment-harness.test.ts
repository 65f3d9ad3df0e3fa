// Platform code inside a tenant's isolate trusts nothing the script can change. Written as the
// attacker writes it: redefine what the harness measures and encodes with, return a Response
// that lies, flood the console and progress; the caps must hold and the record must be right.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { System } from "../support/system.ts";

let system: System;
let mallory: { slug: string; token: string };
let neighbour: { slug: string; token: string };

const MB = 1024 * 1024;

beforeAll(async () => {
  system = await System.start();
  mallory = await system.tenant("mallory-harness");
  neighbour = await system.tenant("neighbour");
});
afterAll(async () => {
  await system?.destroy();
});

async function script(fields: Record<string, unknown>, token = mallory.token): Promise<string> {
  return system.script({ name: `h-${Math.random().toString(36).slice(2, 9)}`, ...fields }, token);
}

async function run(id: string, input: unknown = null, token = mallory.token) {
  const r = await system.run(id, input, token);
  expect(r.status).toBe(200);
  return r.body;
}

async function execution(id: string) {
  return (await system.api("GET", `/admin/api/executions/${id}`, undefined, { token: mallory.token })).body;
}

const logBytes = (logs: { message: string }[]) => logs.reduce((sum, l) => sum + Buffer.byteLength(l.message), 0);

// Everything the harness once reached through a name or a prototype a script can change. Each
// attempt answers "changed" or the error that refused it.
const redefineEverything = `
  const TA = Object.getPrototypeOf(Uint8Array.prototype);
  const Body = Object.getPrototypeOf(Response.prototype);
  function redefine() {
    const tried = {};
    const attempt = (name, change) => { try { change(); tried[name] = "changed"; } catch (e) { tried[name] = e.name; } };
    attempt("TypedArray.byteLength", () => Object.defineProperty(TA, "byteLength", { get() { return 1; } }));
    attempt("TypedArray.length", () => Object.defineProperty(TA, "length", { get() { return 1; } }));
    attempt("TypedArray.subarray", () => { TA.subarray = function () { return new Uint8Array(1); }; });
    attempt("TypedArray.set", () => { TA.set = function () {}; });
    attempt("TypedArray.iterator", () => { TA[Symbol.iterator] = function* () {}; });
    attempt("Body.arrayBuffer", () => { Body.arrayBuffer = async () => new ArrayBuffer(1); });
    attempt("JSON", () => { globalThis.JSON = { stringify: () => '"tiny"', parse: () => null }; });
    attempt("JSON.stringify", () => { JSON.stringify = () => '"tiny"'; });
    attempt("Date", () => { globalThis.Date = class { static now() { return 0; } }; });
    attempt("TextEncoder", () => { globalThis.TextEncoder = class { encode() { return new Uint8Array(1); } }; });
    attempt("setTimeout", () => { globalThis.setTimeout = () => 0; });
    attempt("Reflect", () => { globalThis.Reflect = { apply: () => undefined }; });
    attempt("Response", () => { globalThis.Response = class {}; });
    attempt("btoa", () => { globalThis.btoa = () => ""; });
    attempt("String", () => { globalThis.String = () => ""; });
    attempt("console", () => { globalThis.console = { log() {} }; });
    attempt("globalThis's prototype", () => Object.setPrototypeOf(globalThis, null));
    return tried;
  }`;

const expectedAttempts = {
  // %TypedArray%.prototype cannot be frozen (workerd's console stops writing): the harness
  // relies on none of it, which is what this test is about.
  "TypedArray.byteLength": "changed",
  "TypedArray.length": "changed",
  "TypedArray.subarray": "changed",
  "TypedArray.set": "changed",
  "TypedArray.iterator": "changed",
  // Frozen, or pinned global names.
  "Body.arrayBuffer": "TypeError",
  JSON: "TypeError",
  "JSON.stringify": "TypeError",
  Date: "TypeError",
  TextEncoder: "TypeError",
  setTimeout: "TypeError",
  Reflect: "TypeError",
  Response: "TypeError",
  btoa: "TypeError",
  String: "TypeError",
  console: "TypeError",
  // Allowed, and harmless: the names above are own properties of the global object now.
  "globalThis's prototype": "changed",
};

describe("a script that redefines what the harness relies on", () => {
  test("still meets the output cap and the log caps, and its record is right", async () => {
    const id = await script({
      code: `${redefineEverything}
        let tried;
        export default async (input, ctx) => {
          tried ??= redefine();
          ctx.log.info("redefined");
          ctx.progress(42, "still reporting");
          if (input === "small") return { tried, sum: [1, 2, 3].reduce((a, b) => a + b, 0), at: typeof Date.now() };
          for (let i = 0; i < 3000; i++) console.log(String(i).padStart(4, "0") + "x".repeat(2000));
          return "y".repeat(20 * ${MB});
        }`,
    });
    const big = await run(id, "big");
    expect(big.status).toBe("failed");
    expect(big.error).toMatchObject({ code: "OUTPUT_TOO_LARGE", message: `the return value is ${20 * MB + 2} bytes as JSON; the cap is ${MB}` });
    expect(big.output).toBeNull();
    expect(big.progress).toEqual({ percent: 42, message: "still reporting" });
    expect(big.logs[0]).toMatchObject({ level: "info", message: "redefined" });
    // 1 MB of logs at most, in order, then one line saying how many more there were.
    const kept = big.logs.slice(1, -1);
    expect(kept.length).toBeGreaterThan(400);
    expect(kept.length).toBeLessThan(1000);
    expect(kept.map((l: { message: string }) => l.message.slice(0, 4))).toEqual(kept.map((_: unknown, i: number) => String(i).padStart(4, "0")));
    expect(logBytes(big.logs.slice(0, -1))).toBeLessThanOrEqual(MB);
    expect(big.logs.at(-1)).toMatchObject({
      level: "warn",
      message: `${3000 - kept.length} more log lines were dropped: an execution keeps at most 1000 lines and ${MB} bytes of logs`,
    });

    const small = await run(id, "small");
    expect(small).toMatchObject({ status: "succeeded", output: { tried: expectedAttempts, sum: 6, at: "number" } });
    expect(small.logs.map((l: { message: string }) => l.message)).toEqual(["redefined"]);
  });

  test("still meets the response cap, and serves a small binary answer byte for byte", async () => {
    await script({
      kind: "http",
      path: "/attack/:case",
      methods: ["GET"],
      access: "public",
      code: `${redefineEverything}
        let tried;
        export default async (request, ctx) => {
          tried ??= redefine();
          if (ctx.params.case === "tried") return tried;
          if (ctx.params.case === "binary") return new Response(new Uint8Array([0, 255, 128, 1, 0xc3]), { headers: { "content-type": "application/octet-stream" } });
          return new Response("z".repeat(20 * ${MB}));
        }`,
    });
    const base = `${system.baseUrl}/api/tenants/${mallory.slug}/scripts/attack`;
    const big = await fetch(`${base}/big`);
    expect(big.status).toBe(500);
    expect(await big.json()).toMatchObject({ error: { code: "SCRIPT_ERROR", message: expect.stringContaining(big.headers.get("x-iota-execution-id")!) } });
    expect(await execution(big.headers.get("x-iota-execution-id")!)).toMatchObject({
      status: "failed",
      error: { code: "OUTPUT_TOO_LARGE", message: `the response body is over ${5 * MB} bytes, the cap` },
    });
    const tried = await fetch(`${base}/tried`);
    expect(await tried.json()).toEqual(expectedAttempts);
    const binary = await fetch(`${base}/binary`);
    expect(binary.status).toBe(200);
    expect([...new Uint8Array(await binary.arrayBuffer())]).toEqual([0, 255, 128, 1, 0xc3]);
    const recorded = await execution(binary.headers.get("x-iota-execution-id")!);
    expect(recorded.status).toBe("succeeded");
  });
});

describe("a Response that lies", () => {
  const cases: Record<string, string> = {
    "status-throws": `class Liar extends Response { get status() { throw new Error("no status for you"); } } return new Liar("hello");`,
    "status-99999": `class Liar extends Response { get status() { return 99999; } } return new Liar("hello");`,
    "headers-lie": `class Liar extends Response { get headers() { return [["x-evil", "1\\r\\nset-cookie: a=b"]]; } } return new Liar("hello");`,
    "huge-arrayBuffer": `class Liar extends Response { async arrayBuffer() { return new ArrayBuffer(20 * ${MB}); } } return new Liar("hello");`,
    fake: `const fake = Object.create(Response.prototype); return fake;`,
    proxy: `return new Proxy(new Response("hello"), { get: (t, k) => (k === "status" ? 99999 : Reflect.get(t, k)) });`,
    "endless-body": `return new Response(new ReadableStream({ pull(c) { c.enqueue(new Uint8Array(${MB})); } }));`,
    "text-chunks": `return new Response(new ReadableStream({ start(c) { c.enqueue("not bytes"); c.close(); } }));`,
    "huge-headers": `return new Response("hello", { headers: { "x-big": "a".repeat(100000) } });`,
  };
  const expected: Record<string, { code: string; message: RegExp }> = {
    "status-throws": { code: "INVALID_RESPONSE", message: /redefines status/ },
    "status-99999": { code: "INVALID_RESPONSE", message: /redefines status/ },
    "headers-lie": { code: "INVALID_RESPONSE", message: /redefines headers/ },
    "huge-arrayBuffer": { code: "INVALID_RESPONSE", message: /redefines arrayBuffer/ },
    fake: { code: "INVALID_RESPONSE", message: /could not be read/ },
    proxy: { code: "INVALID_RESPONSE", message: /could not be read/ },
    "endless-body": { code: "OUTPUT_TOO_LARGE", message: /over 5242880 bytes/ },
    "text-chunks": { code: "INVALID_RESPONSE", message: /Uint8Array chunks/ },
    "huge-headers": { code: "INVALID_RESPONSE", message: /headers are \d+ bytes; the cap is 65536/ },
  };

  test("fails its execution cleanly, and the caller gets a plain 500 naming it", async () => {
    const branches = Object.entries(cases)
      .map(([name, body]) => `if (ctx.params.case === ${JSON.stringify(name)}) { ${body} }`)
      .join("\n");
    await script({
      kind: "http",
      path: "/liar/:case",
      methods: ["GET"],
      access: "public",
      code: `export default async (request, ctx) => { ${branches} return new Response("honest"); }`,
    });
    const base = `${system.baseUrl}/api/tenants/${mallory.slug}/scripts/liar`;
    for (const [name, want] of Object.entries(expected)) {
      const answer = await fetch(`${base}/${name}`);
      const executionId = answer.headers.get("x-iota-execution-id")!;
      expect({ name, status: answer.status, body: await answer.json() }).toEqual({
        name,
        status: 500,
        body: { error: { code: "SCRIPT_ERROR", message: `the script failed (execution ${executionId})` } },
      });
      const recorded = await execution(executionId);
      expect({ name, status: recorded.status, code: recorded.error.code }).toEqual({ name, status: "failed", code: want.code });
      expect(recorded.error.message).toMatch(want.message);
    }
    const honest = await fetch(`${base}/none`);
    expect({ status: honest.status, body: await honest.text() }).toEqual({ status: 200, body: "honest" });
  });
});

describe("floods", () => {
  test("100,000 console lines and progress calls complete with capped logs and the last progress, while another tenant's runs succeed", async () => {
    const flood = await script({
      code: `export default async (input, ctx) => {
        for (let i = 0; i < 100000; i++) console.log("line " + i);
        for (let i = 0; i < 100000; i++) ctx.progress(i / 1000, "step " + i);
        return "flooded";
      }`,
    });
    const calm = await script({ code: `export default (n) => n * 2` }, neighbour.token);
    const floods = await Promise.all(
      [1, 2, 3].map(() => system.api("POST", `/admin/api/scripts/${flood}/runs`, { input: null, mode: "async" }, { token: mallory.token })),
    );
    const calmRuns = [];
    for (let i = 0; i < 10; i++) calmRuns.push(await run(calm, i, neighbour.token));
    expect(calmRuns.map((e) => [e.status, e.output])).toEqual([...Array(10).keys()].map((i) => ["succeeded", i * 2]));
    for (const started of floods) {
      const e = await system.waitForExecution(started.body.id, 60_000, mallory.token);
      expect(e).toMatchObject({ status: "succeeded", output: "flooded", progress: { percent: 100, message: "step 99999" } });
      expect(e.logs).toHaveLength(1001);
      expect(e.logs[999].message).toBe("line 999");
      expect(e.logs[1000]).toMatchObject({ level: "warn", message: expect.stringMatching(/^99000 more log lines were dropped/) });
    }
  }, 120_000);

  test("a flood whose process has to be killed is recorded from the rate-capped live copy: a prefix of its lines", async () => {
    // Holding the CPU, the run never answers: the host kills its process and keeps what it read
    // from stdout, which is all it ever parses of a flood.
    const id = await script({
      timeoutMs: 1000,
      code: `export default () => {
        for (let i = 0; i < 100000; i++) console.log("line " + i);
        while (true) {}
      }`,
    });
    const e = await run(id);
    expect(e.status).toBe("timed_out");
    expect(e.logs.length).toBeGreaterThan(0);
    expect(e.logs.length).toBeLessThan(1000);
    expect(e.logs.map((l: { message: string }) => l.message)).toEqual(e.logs.map((_: unknown, i: number) => `line ${i}`));
    const next = await run(await script({ code: `export default () => "runner back"` }));
    expect(next).toMatchObject({ status: "succeeded", output: "runner back" });
  });
});

describe("secrets and keys", () => {
  test("a run's output is secret-masked like its logs, in the record of an endpoint too", async () => {
    const secrets = { API_TOKEN: "sk-live-0123456789", ODD_ONE: 'q"uo\\te\ttab-secret' };
    for (const [name, value] of Object.entries(secrets)) {
      expect((await system.api("PUT", `/admin/api/secrets/${name}`, { value }, { token: mallory.token })).status).toBeLessThan(300);
    }
    const id = await script({
      code: `export default async (input, ctx) => {
        const token = await ctx.secrets.get("API_TOKEN");
        const odd = await ctx.secrets.get("ODD_ONE");
        console.log("token is", token);
        return { token, nested: [token + "!"], [token]: 1, odd, sentence: "the odd one is " + odd, fine: "nothing secret" };
      }`,
    });
    const e = await run(id);
    expect(e.status).toBe("succeeded");
    expect(e.output).toEqual({ token: "***", nested: ["***!"], "***": 1, odd: "***", sentence: "the odd one is ***", fine: "nothing secret" });
    expect(e.logs.map((l: { message: string }) => l.message)).toEqual(["token is ***"]);
    const stored = await execution(e.id);
    expect(JSON.stringify(stored)).not.toContain(secrets.API_TOKEN);
    expect(JSON.stringify(stored.output)).not.toContain("uo");

    await script({
      kind: "http",
      path: "/leak",
      methods: ["GET"],
      access: "public",
      code: `export default async (r, ctx) => ({ token: await ctx.secrets.get("API_TOKEN") })`,
    });
    const answer = await fetch(`${system.baseUrl}/api/tenants/${mallory.slug}/scripts/leak`);
    expect(answer.status).toBe(200);
    const recorded = await execution(answer.headers.get("x-iota-execution-id")!);
    expect(recorded.status).toBe("succeeded");
    expect(JSON.stringify(recorded)).not.toContain(secrets.API_TOKEN);
  });

  test("kv keys with NUL, other control characters or lone surrogates are refused, naming the key", async () => {
    const id = await script({
      code: `export default async (input, ctx) => {
        const out = {};
        const keys = { nul: "user\\u0000admin", bell: "ring\\u0007", lone: "half\\ud800", del: "x\\u007f" };
        for (const [name, key] of Object.entries(keys)) {
          for (const op of ["put", "get", "delete"]) {
            try { await (op === "put" ? ctx.kv.put(key, 1) : ctx.kv[op](key)); out[name + "." + op] = "worked"; } catch (e) { out[name + "." + op] = [e.code, e.field, e.message]; }
          }
        }
        try { await ctx.kv.list({ prefix: "user\\u0000" }); out.prefix = "worked"; } catch (e) { out.prefix = [e.code, e.field]; }
        await ctx.kv.put("emoji-😀", 1);
        out.listed = (await ctx.kv.list()).keys.map((k) => k.key);
        return out;
      }`,
    });
    const e = await run(id);
    expect(e.status).toBe("succeeded");
    for (const [name, shown] of [
      ["nul", "user\\u0000admin"],
      ["bell", "ring\\u0007"],
      ["lone", "half\\ud800"],
      ["del", "x\u007f"],
    ] as const) {
      for (const op of ["put", "get", "delete"]) {
        const [code, field, message] = e.output[`${name}.${op}`];
        expect({ name, op, code, field }).toEqual({ name, op, code: "VALIDATION_FAILED", field: "key" });
        expect(message).toContain(`"${shown}"`);
      }
    }
    expect(e.output.prefix).toEqual(["VALIDATION_FAILED", "prefix"]);
    expect(e.output.listed).toEqual(["emoji-😀"]);
  });
});
