// Per-tenant budgets: what one tenant can make the platform store is bounded (executions waiting
// and their input bytes, history recorded per UTC day), refused with an answer that names the
// budget, and never at the cost of anything already stored.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { System } from "../support/system.ts";
import { startGates } from "../support/gates.ts";

const mb = 1024 * 1024;

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

async function waitFor<T>(what: () => Promise<T>, done: (v: T) => boolean, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await what();
    if (done(v)) return v;
    if (Date.now() > until) throw new Error(`still not there after ${ms} ms: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

let tenants = 0;
/** A tenant with the given settings (platform admin) and an owner token. */
async function tenantWith(settings: Record<string, unknown>) {
  const t = await system.tenant(`budget-${++tenants}`);
  const patched = await system.api("PATCH", `/admin/api/tenants/${t.slug}`, settings);
  expect(patched.status).toBe(200);
  return t;
}

/** A script that waits at gate `name` (so its run holds the tenant's one slot), then returns its input. */
const gated = (name: string) => `export default async (input) => { await fetch("http://127.0.0.1:${gates.port}/${name}"); return input; }`;

async function holdTheSlot(token: string, gate: string) {
  const id = await system.script({ name: `hold-${gate}`, code: gated(gate) }, token);
  const held = await system.api("POST", `/admin/api/scripts/${id}/runs`, { input: "held", mode: "async" }, { token });
  expect(held.body.status).toBe("running");
  await waitFor(
    async () => gates.waiting(gate),
    (n) => n === 1,
  );
  return { scriptId: id, executionId: held.body.id as string };
}

const runAsync = (token: string, scriptId: string, input: unknown) =>
  system.api("POST", `/admin/api/scripts/${scriptId}/runs`, { input, mode: "async" }, { token });
const usage = async (token: string) => (await system.api("GET", "/admin/api/usage", undefined, { token })).body;

describe("queue budgets", () => {
  test("past maxQueued a tenant's async runs and re-runs are refused 429 naming the budget, and nothing is stored", async () => {
    const t = await tenantWith({ maxConcurrency: 1, maxQueued: 2 });
    const id = await system.script({ name: "worker", code: gated("q-count") }, t.token);
    const first = await runAsync(t.token, id, 0);
    await waitFor(
      async () => gates.waiting("q-count"),
      (n) => n === 1,
    );
    const queued = [await runAsync(t.token, id, 1), await runAsync(t.token, id, 2)];
    expect([first, ...queued].map((r) => [r.status, r.body.status])).toEqual([
      [202, "running"],
      [202, "queued"],
      [202, "queued"],
    ]);

    const refused = await runAsync(t.token, id, 3);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(refused.body.error).toMatchObject({ code: "QUEUE_BUDGET_EXCEEDED", details: { queued: 2, maxQueued: 2 } });
    expect(refused.body.error.message).toContain("maxQueued is 2");
    expect(refused.body.error.message).toContain(`PATCH /admin/api/tenants/${t.slug}`);
    const rerun = await system.api("POST", `/admin/api/executions/${first.body.id}/rerun`, { mode: "async" }, { token: t.token });
    expect([rerun.status, rerun.body.error?.code]).toEqual([429, "QUEUE_BUDGET_EXCEEDED"]);

    expect(await usage(t.token)).toMatchObject({ running: 1, queued: 2, queuedBytes: 2, budgets: { maxQueued: 2, maxQueuedBytes: 64 * mb } });
    const history = await system.api("GET", `/admin/api/executions?scriptId=${id}`, undefined, { token: t.token });
    expect(history.body.items).toHaveLength(3);

    gates.open("q-count");
    const done = await Promise.all([first, ...queued].map((r) => system.waitForExecution(r.body.id, 20_000, t.token)));
    expect(done.map((e) => [e.status, e.output])).toEqual([
      ["succeeded", 0],
      ["succeeded", 1],
      ["succeeded", 2],
    ]);
    expect((await runAsync(t.token, id, 3)).status).toBe(202);
  });

  test("past maxQueuedBytes a run is refused 413, and smaller inputs still queue", async () => {
    const t = await tenantWith({ maxConcurrency: 1, maxQueuedBytes: mb });
    const held = await holdTheSlot(t.token, "q-bytes");
    const id = await system.script({ name: "takes-input", code: "export default (s) => s.length" }, t.token);
    const big = "x".repeat(600_000);
    const first = await runAsync(t.token, id, big);
    expect(first.body.status).toBe("queued");

    const refused = await runAsync(t.token, id, big);
    expect(refused.status).toBe(413);
    expect(refused.body.error).toMatchObject({ code: "QUEUE_BYTES_EXCEEDED", details: { queuedBytes: 600_002, maxQueuedBytes: mb } });
    expect(refused.body.error.message).toContain("maxQueuedBytes");
    const small = await runAsync(t.token, id, "tiny");
    expect(small.body.status).toBe("queued");
    expect(await usage(t.token)).toMatchObject({ queued: 2, queuedBytes: 600_002 + 6 });

    gates.open("q-bytes");
    await system.waitForExecution(held.executionId, 20_000, t.token);
    expect((await system.waitForExecution(first.body.id, 20_000, t.token)).output).toBe(600_000);
    expect((await system.waitForExecution(small.body.id, 20_000, t.token)).output).toBe(4);
    const history = await system.api("GET", `/admin/api/executions?scriptId=${id}`, undefined, { token: t.token });
    expect(history.body.items).toHaveLength(2);
  });

  test("an event whose deliveries would pass the queue budget is refused whole, and is new once there is room", async () => {
    const t = await tenantWith({ maxConcurrency: 1, maxQueued: 2 });
    await holdTheSlot(t.token, "q-events");
    const subscribers = [];
    for (let i = 0; i < 3; i++)
      subscribers.push(
        await system.script({ name: `on-order-${i}`, kind: "event", events: ["order.placed"], code: "export default (e) => e.payload.n" }, t.token),
      );
    const event = { id: "order-1", type: "order.placed", payload: { n: 7 } };

    const refused = await system.api("POST", "/api/events", event, { token: t.token });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect(refused.body.error.code).toBe("QUEUE_BUDGET_EXCEEDED");
    expect(refused.body.error.message).toContain("this event (3 deliveries");
    const batch = await system.api("POST", "/api/events", { events: [{ id: "order-2", type: "order.placed", payload: { n: 8 } }, event] }, { token: t.token });
    expect([batch.status, batch.body.error?.code, batch.body.error?.field]).toEqual([429, "QUEUE_BUDGET_EXCEEDED", "events"]);
    // Nothing of either was stored: no delivery of any subscriber, nothing waiting.
    for (const id of subscribers)
      expect((await system.api("GET", `/admin/api/executions?scriptId=${id}`, undefined, { token: t.token })).body.items).toEqual([]);
    expect(await usage(t.token)).toMatchObject({ running: 1, queued: 0 });

    gates.open("q-events");
    await waitFor(
      () => usage(t.token),
      (u) => u.running === 0,
    );
    const accepted = await system.api("POST", "/api/events", event, { token: t.token });
    expect([accepted.status, accepted.body]).toEqual([202, { id: "order-1", type: "order.placed", duplicate: false, deliveries: 3 }]);
    for (const id of subscribers) {
      const items = await waitFor(
        async () => (await system.api("GET", `/admin/api/executions?scriptId=${id}`, undefined, { token: t.token })).body.items as { status: string }[],
        (list) => list.length === 1 && list[0]!.status === "succeeded",
      );
      expect(items).toHaveLength(1);
    }
  });

  test("a dead letter's replay is refused while the queue is full, and stays unreplayed", async () => {
    const t = await tenantWith({ maxConcurrency: 1 });
    await system.script(
      { name: "fails", kind: "event", events: ["stock.low"], maxAttempts: 1, code: "export default () => { throw new Error('no stock service'); }" },
      t.token,
    );
    await system.api("POST", "/api/events", { id: "stock-1", type: "stock.low" }, { token: t.token });
    const [letter] = await waitFor(
      async () => (await system.api("GET", "/admin/api/dead-letters", undefined, { token: t.token })).body.items as { id: string; replayedAt: string | null }[],
      (items) => items.length === 1,
    );
    await system.api("PATCH", `/admin/api/tenants/${t.slug}`, { maxQueued: 1 });
    const held = await holdTheSlot(t.token, "q-replay");
    const id = await system.script({ name: "filler", code: "export default () => 1" }, t.token);
    expect((await runAsync(t.token, id, null)).body.status).toBe("queued");

    const refused = await system.api("POST", `/admin/api/dead-letters/${letter!.id}/replay`, {}, { token: t.token });
    expect([refused.status, refused.body.error?.code]).toEqual([429, "QUEUE_BUDGET_EXCEEDED"]);
    expect(refused.body.error.message).toContain("this replay");
    const [after] = (await system.api("GET", "/admin/api/dead-letters", undefined, { token: t.token })).body.items;
    expect(after.replayedAt).toBeNull();

    gates.open("q-replay");
    await system.waitForExecution(held.executionId, 20_000, t.token);
    await waitFor(
      () => usage(t.token),
      (u) => u.queued === 0,
    );
    const replayed = await system.api("POST", `/admin/api/dead-letters/${letter!.id}/replay`, {}, { token: t.token });
    expect(replayed.status).toBe(202);
    expect((await system.waitForExecution(replayed.body.executionId, 20_000, t.token)).status).toBe("failed");
  });
});

describe("history budget", () => {
  test("past its daily history budget a tenant's new runs are refused 429 until the next UTC day; its events wait; nothing stored is lost", async () => {
    const t = await tenantWith({ maxHistoryBytesPerDay: mb });
    const id = await system.script({ name: "bulky", code: "export default (n) => 'x'.repeat(n)" }, t.token);
    const endpoint = await system.script(
      { name: "hook", kind: "http", path: "/hook", access: "public", code: "export default () => new Response('ok')" },
      t.token,
    );
    const consumer = await system.script({ name: "on-ping", kind: "event", events: ["ping"], code: "export default (e) => e.payload" }, t.token);
    const kept = [];
    for (let i = 0; i < 2; i++) {
      const r = await system.run(id, 600_000, t.token);
      expect(r.body.status).toBe("succeeded");
      kept.push(r.body.id as string);
    }
    const spent = await usage(t.token);
    expect(spent.historyBytesToday).toBeGreaterThan(1_200_000);
    expect(spent.budgets.maxHistoryBytesPerDay).toBe(mb);

    const sync = await system.run(id, 1, t.token);
    expect(sync.status).toBe(429);
    expect(sync.body.error.code).toBe("HISTORY_BUDGET_EXCEEDED");
    expect(sync.body.error.message).toContain("maxHistoryBytesPerDay");
    expect(sync.body.error.message).toContain("00:00 UTC");
    const retryAfter = Number(sync.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(86_400);
    expect((await runAsync(t.token, id, 1)).body.error.code).toBe("HISTORY_BUDGET_EXCEEDED");
    const call = await fetch(`${system.baseUrl}/api/tenants/${t.slug}/scripts/hook`, { method: "POST" });
    expect([call.status, ((await call.json()) as { error: { code: string } }).error.code]).toEqual([429, "HISTORY_BUDGET_EXCEEDED"]);
    expect((await system.api("GET", `/admin/api/executions?scriptId=${endpoint}`, undefined, { token: t.token })).body.items).toEqual([]);

    // The platform's events are still taken in; their deliveries wait for the budget.
    const published = await system.api("POST", "/api/events", { id: "ping-1", type: "ping", payload: "pong" }, { token: t.token });
    expect([published.status, published.body.deliveries]).toEqual([202, 1]);
    const [waiting] = (await system.api("GET", `/admin/api/executions?scriptId=${consumer}`, undefined, { token: t.token })).body.items;
    expect(waiting.status).toBe("queued");

    for (const run of kept) expect((await system.api("GET", `/admin/api/executions/${run}`, undefined, { token: t.token })).body.output).toHaveLength(600_000);

    const raisedAt = Date.now();
    await system.api("PATCH", `/admin/api/tenants/${t.slug}`, { maxHistoryBytesPerDay: 64 * mb });
    const delivered = await system.waitForExecution(waiting.id, 20_000, t.token);
    expect([delivered.status, delivered.output, delivered.attempt]).toEqual(["succeeded", "pong", 1]);
    expect(Date.parse(delivered.startedAt)).toBeGreaterThanOrEqual(raisedAt);
    expect((await system.run(id, 1, t.token)).body.status).toBe("succeeded");
  });
});

describe("budget settings", () => {
  test("a platform admin sets a tenant's budgets; the tenant reads them in settings and usage; bad values name the field", async () => {
    const t = await system.tenant("budget-settings");
    const defaults = { maxQueued: 10_000, maxQueuedBytes: 64 * mb, maxHistoryBytesPerDay: 256 * mb };
    expect((await system.api("GET", "/admin/api/settings", undefined, { token: t.token })).body.budgets).toEqual(defaults);

    const set = await system.api("PATCH", `/admin/api/tenants/${t.slug}`, { maxQueued: 5, maxQueuedBytes: 2 * mb });
    expect(set.body).toMatchObject({ maxQueued: 5, maxQueuedBytes: 2 * mb, maxHistoryBytesPerDay: null });
    expect((await system.api("GET", "/admin/api/settings", undefined, { token: t.token })).body.budgets).toEqual({
      ...defaults,
      maxQueued: 5,
      maxQueuedBytes: 2 * mb,
    });
    expect(await usage(t.token)).toEqual({
      running: 0,
      queued: 0,
      limit: 10,
      queuedBytes: 0,
      historyBytesToday: 0,
      budgets: { ...defaults, maxQueued: 5, maxQueuedBytes: 2 * mb },
    });
    const listed = (await system.api("GET", "/admin/api/tenants")).body.items.find((x: { slug: string }) => x.slug === t.slug);
    expect(listed.usage.budgets.maxQueued).toBe(5);

    // null goes back to the platform's default.
    await system.api("PATCH", `/admin/api/tenants/${t.slug}`, { maxQueued: null });
    expect((await usage(t.token)).budgets.maxQueued).toBe(10_000);

    for (const [body, field] of [
      [{ maxQueued: 0 }, "maxQueued"],
      [{ maxQueuedBytes: 1000 }, "maxQueuedBytes"],
      [{ maxHistoryBytesPerDay: "lots" }, "maxHistoryBytesPerDay"],
    ] as const) {
      const r = await system.api("PATCH", `/admin/api/tenants/${t.slug}`, body);
      expect([r.status, r.body.error.field]).toEqual([422, field]);
    }
    expect((await system.api("PATCH", `/admin/api/tenants/${t.slug}`, { maxQueued: 20_000 }, { token: t.token })).status).toBe(403);
    const own = await system.api("PATCH", "/admin/api/settings", { maxQueued: 20_000 }, { token: t.token });
    expect([own.status, own.body.error.field]).toEqual([422, "maxQueued"]);
  });
});
