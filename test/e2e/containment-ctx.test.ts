// A ctx is dead once its execution ends. Written as the attacker writes it: a script that keeps
// its ctx in module state and uses it from later runs, or from work it left running after it
// returned, to act as (and be billed to) the old execution.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startRecordingServer } from "../support/recording-server.ts";
import { System } from "../support/system.ts";

let system: System;
let outside: Awaited<ReturnType<typeof startRecordingServer>>;
let mallory: { slug: string; token: string };

beforeAll(async () => {
  outside = await startRecordingServer();
  // The recording server stands in for a public API the egress lets scripts reach.
  system = await System.start({ env: { IOTA_EGRESS_ALLOW: `127.0.0.1:${outside.port}` } });
  mallory = await system.tenant("mallory-ctx");
});
afterAll(async () => {
  await system?.destroy();
  await outside?.close();
});

async function script(code: string, fields: Record<string, unknown> = {}): Promise<string> {
  return system.script({ name: `c-${Math.random().toString(36).slice(2, 9)}`, code, ...fields }, mallory.token);
}

async function run(id: string, input: unknown = null) {
  const r = await system.run(id, input, mallory.token);
  expect(r.status).toBe(200);
  return r.body;
}

async function execution(id: string) {
  return (await system.api("GET", `/admin/api/executions/${id}`, undefined, { token: mallory.token })).body;
}

/** Runs the script with `input` until its output passes `done`. */
async function pollOutput(id: string, input: unknown, done: (output: any) => boolean, timeoutMs = 15_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const e = await run(id, input);
    if (done(e.output)) return e.output;
    if (Date.now() > until) throw new Error(`no answer in ${timeoutMs} ms; last output ${JSON.stringify(e.output)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Every call a ctx offers, made through `held`; each answers its error code, or "worked".
const everyCall = `async function tryEvery(held) {
  const calls = {
    sdk: () => held.sdk.clients.list(),
    kvGet: () => held.kv.get("k"),
    kvPut: () => held.kv.put("k", "from the past"),
    kvSet: () => held.kv.set("k", "from the past"),
    secrets: () => held.secrets.get("TOKEN"),
    publish: () => held.events.publish("past.event", {}),
    progress: () => held.progress(50, "from the past"),
    log: () => held.log.info("from the past"),
  };
  const out = {};
  for (const [name, call] of Object.entries(calls)) {
    try { await call(); out[name] = "worked"; } catch (e) { out[name] = e.code ?? e.name; }
  }
  return out;
}`;

const allRefused = (code: string) => ({ sdk: code, kvGet: code, kvPut: code, kvSet: code, secrets: code, publish: code, progress: code, log: code });

describe("a ctx kept after its execution", () => {
  test("refuses every call from a later run with EXECUTION_ENDED, and nothing reaches the old record", async () => {
    const id = await script(`${everyCall}
      let kept;
      export default async (input, ctx) => {
        if (!kept) { kept = ctx; return "kept " + ctx.executionId; }
        return { keptFrom: kept.executionId, calls: await tryEvery(kept) };
      }`);
    const first = await run(id);
    expect(first).toMatchObject({ status: "succeeded", output: `kept ${first.id}` });
    const later = await run(id);
    expect(later.status).toBe("succeeded");
    expect(later.output).toEqual({ keptFrom: first.id, calls: allRefused("EXECUTION_ENDED") });
    expect(later.logs).toEqual([]);
    const old = await execution(first.id);
    expect(old).toMatchObject({ status: "succeeded", logs: [], progress: null });
    // The refused put wrote nothing.
    const check = await script(`export default (i, ctx) => ctx.kv.get("k")`);
    expect((await run(check)).output).toBeNull();
  });

  test("work left running after the run returned (waitUntil) gets EXECUTION_ENDED, and its fetch() a TypeError", async () => {
    const id = await script(`${everyCall}
      import { waitUntil } from "cloudflare:workers";
      let report = null;
      export default async (input, ctx) => {
        if (input === "read") return report;
        waitUntil((async () => {
          await new Promise((r) => setTimeout(r, 100));
          const calls = await tryEvery(ctx);
          let fetched;
          try { await fetch("http://127.0.0.1:${outside.port}/late"); fetched = "worked"; } catch (e) { fetched = e.name + ": " + e.message; }
          console.log("a late console line");
          report = { calls, fetched };
        })());
        return "returned";
      }`);
    const first = await run(id);
    expect(first).toMatchObject({ status: "succeeded", output: "returned" });
    const report = await pollOutput(id, "read", (o) => o !== null);
    expect(report.calls).toEqual(allRefused("EXECUTION_ENDED"));
    expect(report.fetched).toMatch(/^TypeError: fetch\(\) after execution .* ended/);
    expect(outside.requests.filter((r) => r.url === "/late")).toEqual([]);
    expect(await execution(first.id)).toMatchObject({ status: "succeeded", logs: [], progress: null, outbound: [] });
  });

  test("a timed-out execution's ctx works for its cleanup grace, then dies", async () => {
    const id = await script(
      `import { waitUntil } from "cloudflare:workers";
      let report = null;
      export default async (input, ctx) => {
        if (input === "read") return report;
        ctx.signal.addEventListener("abort", () => waitUntil((async () => {
          const out = {};
          try { await ctx.kv.put("cleanup", "done"); out.atOnce = "worked"; } catch (e) { out.atOnce = e.code; }
          await new Promise((r) => setTimeout(r, 1500));
          try { await ctx.kv.put("cleanup", "too late"); out.afterGrace = "worked"; } catch (e) { out.afterGrace = e.code; }
          try { ctx.log.info("too late"); out.log = "worked"; } catch (e) { out.log = e.code; }
          report = out;
        })()));
        await new Promise(() => {});
      }`,
      { timeoutMs: 300 },
    );
    expect((await run(id)).status).toBe("timed_out");
    const report = await pollOutput(id, "read", (o) => o !== null);
    expect(report).toEqual({ atOnce: "worked", afterGrace: "EXECUTION_ENDED", log: "EXECUTION_ENDED" });
    const check = await script(`export default (i, ctx) => ctx.kv.get("cleanup")`);
    expect((await run(check)).output).toBe("done");
  });
});

describe("a ctx used by another execution while its own still runs", () => {
  test("cannot carry an event chain past its depth limit", async () => {
    // The first run is started by hand and holds its ctx for up to 20 s. Each delivery of the
    // chain tries to publish the next event through that held ctx (an event published by a run
    // that is no delivery starts a new chain, depth 0: with it the chain would never end), and
    // only when refused through its own.
    const id = await script(
      `let held = null, stop = false;
      export default async (input, ctx) => {
        if (ctx.trigger !== "event") {
          held = ctx;
          await ctx.events.publish("chain.ping", { n: 0 });
          for (let i = 0; i < 200 && !stop; i++) await new Promise((r) => setTimeout(r, 100));
          return "held";
        }
        const n = input.payload.n;
        let throughHeld;
        try { await held.events.publish("chain.ping", { n: n + 1 }); throughHeld = "worked"; } catch (e) { throughHeld = e.code; }
        if (throughHeld !== "worked") {
          try { await ctx.events.publish("chain.ping", { n: n + 1 }); } catch (e) { stop = true; throw e; }
        }
        return { n, throughHeld };
      }`,
      { kind: "event", events: ["chain.ping"], maxAttempts: 1, timeoutMs: 30_000 },
    );
    const started = await system.api("POST", `/admin/api/scripts/${id}/runs`, { input: null, mode: "async" }, { token: mallory.token });
    expect(started.status).toBe(202);
    const holder = await system.waitForExecution(started.body.id, 25_000, mallory.token);
    expect(holder).toMatchObject({ status: "succeeded", output: "held" });
    const deliveries = (await system.api("GET", `/admin/api/executions?scriptId=${id}&trigger=event&limit=100`, undefined, { token: mallory.token })).body
      .items as { id: string; status: string }[];
    const failed = deliveries.filter((d) => d.status === "failed");
    expect(failed).toHaveLength(1);
    const stopped = await execution(failed[0]!.id);
    expect(stopped.input.payload.n).toBe(10);
    expect(stopped.error.message).toMatch(/the limit is 10/);
    const succeeded = await Promise.all(deliveries.filter((d) => d.status === "succeeded").map((d) => execution(d.id)));
    expect(succeeded.map((d) => d.output.throughHeld)).toEqual(Array(10).fill("WRONG_EXECUTION"));
    expect(deliveries).toHaveLength(11);
  }, 40_000);
});

describe("the egress", () => {
  test("refuses a request from no running execution: the runtime's own fetch, found behind the platform's", async () => {
    const id = await script(`export default async () => {
      const out = {};
      const viaPlatform = await fetch("http://127.0.0.1:${outside.port}/filed");
      out.platform = viaPlatform.status;
      for (let p = Object.getPrototypeOf(globalThis); p; p = Object.getPrototypeOf(p)) {
        const own = Object.getOwnPropertyDescriptor(p, "fetch");
        if (own) {
          const r = await own.value.call(globalThis, "http://127.0.0.1:${outside.port}/unfiled", { headers: { "x-iota-execution": "exe_guess.key" } });
          out.raw = { status: r.status, refused: r.headers.get("x-iota-egress-refused"), body: await r.json() };
          break;
        }
      }
      return out;
    }`);
    const e = await run(id);
    expect(e.output.platform).toBe(200);
    expect(e.output.raw).toMatchObject({ status: 403, refused: "1", body: { error: { message: expect.stringContaining("by an execution while it runs") } } });
    expect(outside.requests.map((r) => r.url)).toContain("/filed");
    expect(outside.requests.map((r) => r.url)).not.toContain("/unfiled");
    expect(e.outbound.map((o: { url: string }) => new URL(o.url).pathname)).toEqual(["/filed"]);
  });
});
