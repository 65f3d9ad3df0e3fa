// Batched publishing at volume: a publish's deliveries are admitted in a few multi-row
// statements (dispatcher/domain/admission.ts, admitDeliveriesStatements) and the outcomes of
// deliveries finishing together are recorded, and their freed slots claimed, in shared
// transactions (group-commit.ts merges the claims). The guarantees must hold as they did one
// statement at a time: the tenant's limit, the queue budgets over a whole publish, every
// delivery run once, and a failed delivery retried alone while its neighbours stay recorded.
import { afterAll, beforeAll, expect, test } from "vitest";
import { System } from "../support/system.ts";

let system: System;

beforeAll(async () => {
  system = await System.start();
});
afterAll(async () => {
  await system?.destroy();
});

async function waitFor<T>(what: () => Promise<T>, done: (v: T) => boolean, ms = 120_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await what();
    if (done(v)) return v;
    if (Date.now() > until) throw new Error(`still not there after ${ms} ms: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function tenantWith(slug: string, settings: Record<string, unknown>) {
  const t = await system.tenant(slug);
  const patched = await system.api("PATCH", `/admin/api/tenants/${slug}`, settings);
  expect(patched.status).toBe(200);
  return t;
}

const usage = async (token: string) => (await system.api("GET", "/admin/api/usage", undefined, { token })).body;

/** Runs of a script by status, from the history stats (they count every run). */
async function statuses(token: string, scriptId: string): Promise<Record<string, number>> {
  const stats = await system.api("GET", `/admin/api/stats/executions?days=1&scriptId=${scriptId}`, undefined, { token });
  expect(stats.status).toBe(200);
  const counts: Record<string, number> = {};
  for (const day of stats.body.days as { counts: Record<string, number> }[])
    for (const [status, n] of Object.entries(day.counts)) counts[status] = (counts[status] ?? 0) + n;
  return counts;
}

const events = (prefix: string, n: number, payload: (i: number) => unknown = (i) => ({ n: i })) =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${i}`, type: "order.placed", payload: payload(i) }));

test("a publish of 600 deliveries starts only what the tenant has room for, queues the rest, and delivers each once", async () => {
  const t = await tenantWith("volume", { maxConcurrency: 3 });
  const code = "export default async (e) => { await new Promise((r) => setTimeout(r, 5)); return e.payload.n; }";
  const a = await system.script({ name: "ledger", kind: "event", events: ["order.placed"], code }, t.token);
  const b = await system.script({ name: "mailer", kind: "event", events: ["order.*"], code }, t.token);
  // 300 events to two scripts: more deliveries than one admission statement holds (500).
  const published = await system.api("POST", "/api/events", { events: events("vol", 300) }, { token: t.token });
  expect(published.status).toBe(202);
  expect(published.body).toMatchObject({ accepted: 300, duplicates: 0 });
  expect(published.body.events.every((e: { deliveries: number }) => e.deliveries === 2)).toBe(true);
  // Everything is stored before the answer: what does not run waits.
  const first = await usage(t.token);
  expect(first.running + first.queued).toBeGreaterThan(0);
  expect(first.running).toBeLessThanOrEqual(3);
  // Never more than the tenant's limit at once, however the outcomes and claims are grouped.
  let most = 0;
  await waitFor(
    () => usage(t.token),
    (u: { running: number; queued: number }) => {
      most = Math.max(most, u.running);
      return u.running === 0 && u.queued === 0;
    },
  );
  expect(most).toBeLessThanOrEqual(3);
  expect(await statuses(t.token, a)).toEqual({ succeeded: 300 });
  expect(await statuses(t.token, b)).toEqual({ succeeded: 300 });
  // Each event was delivered once to each script.
  const seen = new Set<string>();
  for (let cursor: string | null = ""; cursor !== null; ) {
    const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await system.api(
      "GET",
      `/admin/api/executions?scriptId=${a}&limit=200${cursor ? `&cursor=${cursor}` : ""}`,
      undefined,
      { token: t.token },
    );
    for (const e of page.body.items) {
      const detail = await system.api("GET", `/admin/api/executions/${e.id}`, undefined, { token: t.token });
      seen.add(detail.body.input.id);
    }
    cursor = page.body.nextCursor;
  }
  expect(seen.size).toBe(300);
});

test("a publish whose deliveries would pass the queue budget is refused whole, counting all its chunks", async () => {
  const t = await tenantWith("budgeted", { maxConcurrency: 1, maxQueued: 550 });
  await system.script({ name: "one", kind: "event", events: ["order.placed"], code: "export default () => 1" }, t.token);
  await system.script({ name: "two", kind: "event", events: ["order.placed"], code: "export default () => 2" }, t.token);
  // 300 events, 600 deliveries: one may run, 599 would wait, past the budget of 550.
  const refused = await system.api("POST", "/api/events", { events: events("over", 300) }, { token: t.token });
  expect(refused.status).toBe(429);
  expect(refused.body.error.code).toBe("QUEUE_BUDGET_EXCEEDED");
  expect(await usage(t.token)).toMatchObject({ running: 0, queued: 0 });
  // Nothing of it was stored: with room, the same ids are new events, not duplicates.
  expect((await system.api("PATCH", "/admin/api/tenants/budgeted", { maxQueued: 1000 })).status).toBe(200);
  const accepted = await system.api("POST", "/api/events", { events: events("over", 300) }, { token: t.token });
  expect(accepted.status).toBe(202);
  expect(accepted.body).toMatchObject({ accepted: 300, duplicates: 0 });
  await waitFor(
    () => usage(t.token),
    (u: { running: number; queued: number }) => u.running === 0 && u.queued === 0,
  );
});

test("in a batch of deliveries where one fails, the others are recorded once and only the failed one is retried", async () => {
  const t = await tenantWith("mixed", { maxConcurrency: 8 });
  const id = await system.script(
    {
      name: "picky",
      kind: "event",
      events: ["order.placed"],
      maxAttempts: 2,
      code: "export default (e, ctx) => { if (e.payload.bad) throw new Error('bad order, attempt ' + ctx.attempt); return e.payload.n; }",
    },
    t.token,
  );
  const published = await system.api("POST", "/api/events", { events: events("mix", 40, (i) => ({ n: i, bad: i === 17 })) }, { token: t.token });
  expect(published.status).toBe(202);
  const letters = await waitFor(
    async () => (await system.api("GET", "/admin/api/dead-letters", undefined, { token: t.token })).body.items as { eventId: string; attempts: number }[],
    (items) => items.length > 0,
  );
  expect(letters).toHaveLength(1);
  expect(letters[0]).toMatchObject({ eventId: "mix-17", attempts: 2, errorMessage: "Error: bad order, attempt 2" });
  await waitFor(
    () => usage(t.token),
    (u: { running: number; queued: number }) => u.running === 0 && u.queued === 0,
  );
  expect(await statuses(t.token, id)).toEqual({ succeeded: 39, failed: 2 });
  const failed = (await system.api("GET", `/admin/api/executions?scriptId=${id}&status=failed`, undefined, { token: t.token })).body.items;
  expect(failed.map((e: { attempt: number }) => e.attempt).sort()).toEqual([1, 2]);
});

test("claims merged across tenants give a tenant with room its slots while another's long backlog waits at its limit", async () => {
  const slow = "export default async (e) => { await new Promise((r) => setTimeout(r, 100)); return e.payload.n; }";
  const big = await tenantWith("backlog", { maxConcurrency: 2 });
  const small = await tenantWith("nimble", { maxConcurrency: 4 });
  await system.script({ name: "slow", kind: "event", events: ["order.placed"], code: slow }, big.token);
  await system.script({ name: "slow", kind: "event", events: ["order.placed"], code: slow }, small.token);
  // The backlog is older than everything the other tenant publishes: at least 15 s of work.
  expect((await system.api("POST", "/api/events", { events: events("big", 300) }, { token: big.token })).status).toBe(202);
  expect((await system.api("POST", "/api/events", { events: events("small", 40) }, { token: small.token })).status).toBe(202);
  // The small tenant's deliveries are claimed as its own runs free slots, not only by the tick:
  // all of them finish while the backlog still waits.
  await waitFor(
    () => usage(small.token),
    (u: { running: number; queued: number }) => u.running === 0 && u.queued === 0,
  );
  const behind = await usage(big.token);
  expect(behind.queued).toBeGreaterThan(0);
  expect(behind.running).toBeLessThanOrEqual(2);
  await waitFor(
    () => usage(big.token),
    (u: { running: number; queued: number }) => u.running === 0 && u.queued === 0,
    300_000,
  );
}, 400_000);
