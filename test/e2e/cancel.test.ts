// Cancelling an execution: a queued one is closed at once; a running one is told through its
// ctx.signal, gets its cleanup grace, and is stopped with its runner if it will not let go, all
// without penalising its tenant. The record says who cancelled, and keeps the logs.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startGates, waitFor } from "../support/gates.ts";
import { System } from "../support/system.ts";

let system: System;
let gates: Awaited<ReturnType<typeof startGates>>;

beforeAll(async () => {
  gates = await startGates();
  system = await System.start({ env: { IOTA_EGRESS_ALLOW: `127.0.0.1:${gates.port}` } });
});
afterAll(async () => {
  await system?.destroy();
  await gates?.close();
});

const cancel = (id: string, token: string) => system.api("POST", `/admin/api/executions/${id}/cancel`, undefined, { token });
const runAsync = (scriptId: string, input: unknown, token: string) =>
  system.api("POST", `/admin/api/scripts/${scriptId}/runs`, { input, mode: "async" }, { token });
const execution = async (id: string, token: string) => (await system.api("GET", `/admin/api/executions/${id}`, undefined, { token })).body;

/** A script that logs, says when its signal aborts, and waits at gate `name`. */
const waitsAt = (name: string) => `export default async (input, ctx) => {
  ctx.log.info("started " + JSON.stringify(input));
  ctx.signal.addEventListener("abort", () => ctx.log.warn("aborted: " + ctx.signal.reason.message));
  await fetch("${gates.url(name)}");
  return "finished";
}`;

async function tenantIdOf(slug: string): Promise<string> {
  const tenants = (await system.api("GET", "/admin/api/tenants")).body.items as { id: string; slug: string }[];
  return tenants.find((t) => t.slug === slug)!.id;
}

describe("cancelling an execution", () => {
  test("a queued run is closed at once, naming who cancelled it, and leaves the queue", async () => {
    const t = await system.tenant("cancel-queued");
    expect((await system.api("PATCH", `/admin/api/tenants/${t.slug}`, { maxConcurrency: 1 })).status).toBe(200);
    const holder = await system.script({ name: "holder", code: waitsAt("q-hold") }, t.token);
    const held = await runAsync(holder, "held", t.token);
    await waitFor(
      async () => gates.waiting("q-hold"),
      (n) => n === 1,
    );
    const queued = await runAsync(holder, "waiting", t.token);
    expect(queued.body.status).toBe("queued");
    expect((await system.api("GET", "/admin/api/usage", undefined, { token: t.token })).body.queued).toBe(1);

    const cancelled = await cancel(queued.body.id, t.token);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ id: queued.body.id, status: "cancelled", errorCode: "CANCELLED", startedAt: null });
    expect(cancelled.body.error.message).toMatch(/^cancelled by cancel-queued-owner \(.+\) before it started$/);
    expect((await system.api("GET", "/admin/api/usage", undefined, { token: t.token })).body.queued).toBe(0);

    gates.open("q-hold");
    expect((await system.waitForExecution(held.body.id, 20_000, t.token)).status).toBe("succeeded");
    // Nothing of the cancelled run ever started.
    expect(gates.waiting("q-hold")).toBe(0);
    expect((await execution(queued.body.id, t.token)).status).toBe("cancelled");
  });

  test("a running script's signal aborts with \"cancelled\"; its abort handler's lines are kept and a sync caller hears it", async () => {
    const t = await system.tenant("cancel-running");
    const id = await system.script({ name: "waits", code: waitsAt("r-wait") }, t.token);
    const syncCall = system.run(id, { order: 7 }, t.token);
    await waitFor(
      async () => gates.waiting("r-wait"),
      (n) => n === 1,
    );
    const [running] = (await system.api("GET", `/admin/api/executions?scriptId=${id}`, undefined, { token: t.token })).body.items;
    expect(running.status).toBe("running");

    const cancelled = await cancel(running.id, t.token);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: "cancelled", errorCode: "CANCELLED", output: null });
    expect(cancelled.body.error.message).toMatch(/^cancelled by cancel-running-owner \(.+\) while it ran$/);
    expect(cancelled.body.logs.map((l: { message: string }) => l.message)).toEqual(['started {"order":7}', "aborted: cancelled"]);

    const answered = await syncCall;
    expect(answered.status).toBe(200);
    expect(answered.body).toMatchObject({ id: running.id, status: "cancelled", errorCode: "CANCELLED" });

    // Cancelled again, or finished: there is nothing left to cancel.
    const again = await cancel(running.id, t.token);
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: "CONFLICT", details: { status: "cancelled" } });
    expect(again.body.error.message).toContain("already been cancelled");
  });

  test("a script that holds its runner is stopped with it; the tenant is not penalised, and another run in that process is interrupted", async () => {
    const t = await system.tenant("cancel-spin");
    const tenantId = await tenantIdOf(t.slug);
    const spinner = await system.script(
      { name: "spinner", code: `export default async (input, ctx) => { ctx.log.info("spinning"); for (;;) {} }`, timeoutMs: 60_000 },
      t.token,
    );
    const neighbour = await system.script({ name: "neighbour", code: waitsAt("s-neighbour") }, t.token);
    const waiting = await runAsync(neighbour, "beside", t.token);
    await waitFor(
      async () => gates.waiting("s-neighbour"),
      (n) => n === 1,
    );
    const spinning = await runAsync(spinner, null, t.token);
    await waitFor(
      () => execution(spinning.body.id, t.token),
      (e) => e.status === "running",
    );

    const cancelled = await cancel(spinning.body.id, t.token);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: "cancelled", errorCode: "CANCELLED" });
    expect(cancelled.body.error.message).toContain("cancelled by cancel-spin-owner");

    const beside = await system.waitForExecution(waiting.body.id, 20_000, t.token);
    expect(beside).toMatchObject({ status: "interrupted", errorCode: "RUNNER_CRASHED" });
    expect(beside.error.message).toContain("another execution of this tenant was cancelled");
    const runners = (await system.api("GET", "/admin/api/runners")).body;
    expect(runners.penalisedTenants).not.toContain(tenantId);

    // Its process started again: the tenant runs as before.
    const after = await system.run(await system.script({ name: "after", code: "export default () => 'still here'" }, t.token), null, t.token);
    expect(after.body).toMatchObject({ status: "succeeded", output: "still here" });
    const spun = await execution(spinning.body.id, t.token);
    expect(spun.logs.map((l: { message: string }) => l.message)).toContain("spinning");
  });

  test("a finished execution answers 409 naming its status", async () => {
    const t = await system.tenant("cancel-done");
    const id = await system.script({ name: "quick", code: "export default () => 1" }, t.token);
    const done = await system.run(id, null, t.token);
    const refused = await cancel(done.body.id, t.token);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: "CONFLICT", details: { status: "succeeded" } });
    expect(refused.body.error.message).toBe(`execution ${done.body.id} has already succeeded: only a queued or running execution can be cancelled`);
  });

  test("a cancelled event delivery is neither retried nor dead-lettered", async () => {
    const t = await system.tenant("cancel-events");
    const hangs = await system.script({ name: "hangs", kind: "event", events: ["job.hang"], maxAttempts: 3, code: waitsAt("e-hang") }, t.token);
    const fails = await system.script(
      { name: "fails", kind: "event", events: ["job.fail"], maxAttempts: 2, code: "export default () => { throw new Error('no'); }" },
      t.token,
    );
    expect((await system.api("POST", "/api/events", { id: "hang-1", type: "job.hang", payload: {} }, { token: t.token })).status).toBe(202);
    await waitFor(
      async () => gates.waiting("e-hang"),
      (n) => n === 1,
    );
    const [delivery] = (await system.api("GET", `/admin/api/executions?scriptId=${hangs}`, undefined, { token: t.token })).body.items;
    expect((await cancel(delivery.id, t.token)).body.status).toBe("cancelled");

    // A failing delivery published after it is retried: the sweep that would retry the
    // cancelled one has run by then.
    expect((await system.api("POST", "/api/events", { id: "fail-1", type: "job.fail", payload: {} }, { token: t.token })).status).toBe(202);
    await waitFor(
      async () => (await system.api("GET", `/admin/api/executions?scriptId=${fails}`, undefined, { token: t.token })).body.items,
      (items) => items.length === 2,
    );
    const deliveries = (await system.api("GET", `/admin/api/executions?scriptId=${hangs}`, undefined, { token: t.token })).body.items;
    expect(deliveries.map((d: { status: string }) => d.status)).toEqual(["cancelled"]);
    const letters = (await system.api("GET", "/admin/api/dead-letters", undefined, { token: t.token })).body.items;
    expect(letters.filter((l: { scriptId: string }) => l.scriptId === hangs)).toEqual([]);
  });

  test("a viewer may not cancel, and another tenant's execution is not found", async () => {
    const t = await system.tenant("cancel-rbac");
    const viewer = await system.api("POST", "/admin/api/tokens", { name: "cancel-rbac-viewer", role: "viewer", tenant: t.slug });
    const other = await system.tenant("cancel-other");
    const id = await system.script({ name: "held", code: waitsAt("v-hold") }, t.token);
    const running = await runAsync(id, null, t.token);
    await waitFor(
      async () => gates.waiting("v-hold"),
      (n) => n === 1,
    );
    expect((await cancel(running.body.id, viewer.body.token)).status).toBe(403);
    expect((await cancel(running.body.id, other.token)).status).toBe(404);
    expect((await execution(running.body.id, t.token)).status).toBe("running");
    gates.open("v-hold");
    expect((await system.waitForExecution(running.body.id, 20_000, t.token)).status).toBe("succeeded");
  });
});
