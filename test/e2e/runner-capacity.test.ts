// When no runner process can be had (every one runs another tenant's scripts), a sync caller
// hears 503 with Retry-After and finds the attempt in history; async work waits in the queue,
// in its place, and starts once a process frees up, as if it had never been turned away.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { System } from "../support/system.ts";
import { startGates, waitFor } from "../support/gates.ts";

let system: System;
let gates: Awaited<ReturnType<typeof startGates>>;

beforeAll(async () => {
  gates = await startGates();
  // One runner process for the whole platform: a tenant running anything has all there is.
  system = await System.start({ env: { RUNNER_MAX_PROCESSES: "1", IOTA_EGRESS_ALLOW: `127.0.0.1:${gates.port}` } });
});
afterAll(async () => {
  await system?.destroy();
  await gates?.close();
});

/** Tenant `holder` takes the one runner process with a run that waits at `gate`. */
async function takeTheProcess(holder: { token: string }, gate: string) {
  const id = await system.script(
    { name: `hold-${gate}`, code: `export default async () => { await fetch("http://127.0.0.1:${gates.port}/${gate}"); return "held"; }` },
    holder.token,
  );
  const held = await system.api("POST", `/admin/api/scripts/${id}/runs`, { mode: "async" }, { token: holder.token });
  await waitFor(
    async () => gates.waiting(gate),
    (n) => n === 1,
  );
  return held.body.id as string;
}

const history = async (token: string, scriptId: string) =>
  (await system.api("GET", `/admin/api/executions?scriptId=${scriptId}`, undefined, { token })).body.items as {
    id: string;
    status: string;
    attempt: number;
    errorCode: string | null;
  }[];

describe("no runner process to be had", () => {
  test("sync calls answer 503 with Retry-After, each recorded as interrupted with RUNNER_BUSY", async () => {
    const holder = await system.tenant("holder-sync");
    const caller = await system.tenant("caller-sync");
    const manual = await system.script({ name: "quick", code: "export default (i) => i + 1" }, caller.token);
    const hook = await system.script(
      { name: "hook", kind: "http", path: "/hook", access: "public", code: "export default () => new Response('hi')" },
      caller.token,
    );
    const rule = await system.script({ name: "rule", kind: "embedded", code: "export default (i) => i * 2" }, caller.token);
    const heldRun = await takeTheProcess(holder, "sync");

    const run = await system.run(manual, 1, caller.token);
    expect(run.status).toBe(503);
    expect(run.headers.get("retry-after")).toBe("2");
    expect(run.body.error).toMatchObject({ code: "RUNNER_BUSY", details: { executionId: expect.stringMatching(/^exe_/) } });
    expect(run.body.error.message).toContain("retry in a few seconds");
    const endpoint = await fetch(`${system.baseUrl}/api/tenants/${caller.slug}/scripts/hook`, { method: "POST" });
    expect([endpoint.status, endpoint.headers.get("retry-after")]).toEqual([503, "2"]);
    expect(((await endpoint.json()) as { error: { code: string } }).error.code).toBe("RUNNER_BUSY");
    const invoked = await system.api("POST", "/api/invoke/rule", 21, { token: caller.token });
    expect([invoked.status, invoked.body.error.code]).toEqual([503, "RUNNER_BUSY"]);

    for (const id of [manual, hook, rule]) {
      const [recorded, ...more] = await history(caller.token, id);
      expect(more).toEqual([]);
      expect(recorded).toMatchObject({ status: "interrupted", errorCode: "RUNNER_BUSY", attempt: 1 });
    }
    const detail = await system.api("GET", `/admin/api/executions/${run.body.error.details.executionId}`, undefined, { token: caller.token });
    expect(detail.body).toMatchObject({ status: "interrupted", error: { code: "RUNNER_BUSY" }, input: 1 });

    gates.open("sync");
    expect((await system.waitForExecution(heldRun, 20_000, holder.token)).status).toBe("succeeded");
    // The holder's process is idle now, so it makes room for the caller.
    const again = await waitFor(
      () => system.run(manual, 1, caller.token),
      (r) => r.status === 200,
    );
    expect(again.body).toMatchObject({ status: "succeeded", output: 2 });
  });

  test("async runs and event deliveries wait in the queue, keep their place and attempt, and run once a process frees up", async () => {
    const holder = await system.tenant("holder-async");
    const waiter = await system.tenant("waiter-async");
    const manual = await system.script({ name: "step", code: "export default (i) => i" }, waiter.token);
    const consumer = await system.script({ name: "on-ping", kind: "event", events: ["ping"], code: "export default (e) => e.payload" }, waiter.token);
    const heldRun = await takeTheProcess(holder, "async");

    const first = await system.api("POST", `/admin/api/scripts/${manual}/runs`, { input: 0, mode: "async" }, { token: waiter.token });
    expect(first.status).toBe(202);
    // Turned away by the host, it goes back to the queue rather than failing.
    await waitFor(
      async () => (await system.api("GET", `/admin/api/executions/${first.body.id}`, undefined, { token: waiter.token })).body,
      (e) => e.status === "queued" && e.startedAt === null,
    );
    const later: { id: string; status: string }[] = [];
    for (let i = 1; i <= 2; i++)
      later.push((await system.api("POST", `/admin/api/scripts/${manual}/runs`, { input: i, mode: "async" }, { token: waiter.token })).body);
    expect(later.map((r) => r.status)).toEqual(["queued", "queued"]);
    const published = await system.api("POST", "/api/events", { id: "ping-1", type: "ping", payload: "pong" }, { token: waiter.token });
    expect(published.status).toBe(202);
    expect((await system.api("GET", "/admin/api/usage", undefined, { token: waiter.token })).body).toMatchObject({ queued: 4 });

    // While the process stays taken, only the oldest waiting run is tried again, now and then:
    // the rest of the queue is not sent to be turned away.
    const requeued = () => [...system.output.matchAll(/"event":"execution\.requeued","executionId":"(exe_\w+)"/g)].map((m) => m[1]);
    await waitFor(
      async () => requeued().filter((id) => id === first.body.id).length,
      (n) => n >= 3,
    );
    expect(new Set(requeued().filter((id) => [first.body.id, ...later.map((r) => r.id)].includes(id)))).toEqual(new Set([first.body.id]));

    gates.open("async");
    expect((await system.waitForExecution(heldRun, 20_000, holder.token)).status).toBe("succeeded");
    const runs = await Promise.all([first.body, ...later].map((r) => system.waitForExecution(r.id, 20_000, waiter.token)));
    expect(runs.map((e) => [e.status, e.output, e.attempt])).toEqual([
      ["succeeded", 0, 1],
      ["succeeded", 1, 1],
      ["succeeded", 2, 1],
    ]);
    // The run that waited longest went first.
    for (const e of runs.slice(1)) expect(Date.parse(e.startedAt)).toBeGreaterThanOrEqual(Date.parse(runs[0].startedAt));
    const deliveries = await waitFor(
      () => history(waiter.token, consumer),
      (items) => items.length > 0 && items.every((e) => e.status === "succeeded"),
    );
    expect(deliveries.map((e) => [e.status, e.attempt])).toEqual([["succeeded", 1]]);
  }, 60_000);
});
