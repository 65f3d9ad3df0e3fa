// Limits that hold: timeouts whatever the script does, memory caps, concurrency quotas, and a
// runaway tenant that cannot take its neighbours down with it.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { System } from "../support/system.ts";

let system: System;

beforeAll(async () => {
  system = await System.start({ env: { RUNNER_MEMORY_TIERS: "128,256" } });
});
afterAll(async () => {
  await system?.destroy();
});

let tenantCount = 0;
async function newTenant(): Promise<{ id: string; slug: string; token: string }> {
  const slug = `t${++tenantCount}-${Date.now().toString(36)}`;
  const created = await system.api("POST", "/admin/api/tenants", { slug, name: slug });
  const token = (await system.api("POST", "/admin/api/tokens", { name: "owner", role: "owner", tenant: slug })).body.token;
  return { id: created.body.id, slug, token };
}

async function runAs(token: string, name: string, code: string, fields: Record<string, unknown> = {}, input: unknown = null) {
  const id = await system.script({ name, code, ...fields }, token);
  return (await system.run(id, input, token)).body;
}

describe("timeouts hold whatever the script does", () => {
  test.each([
    ["an infinite loop", "export default () => { for (;;) {} }"],
    [
      "a huge JSON.stringify",
      "export default () => { const a = []; for (let i = 0; i < 5e6; i++) a.push({ i, s: 'x'.repeat(20) }); return JSON.stringify(a).length; }",
    ],
    ["a busy promise chain", "export default async () => { for (;;) await null; }"],
  ])("%s ends timed_out within a second of its deadline", async (_name, code) => {
    const tenant = await newTenant();
    const e = await runAs(tenant.token, "runaway", code, { timeoutMs: 400, memoryMb: 256 });
    expect(e).toMatchObject({ status: "timed_out", error: { code: "TIMEOUT" } });
    expect(e.durationMs).toBeLessThan(1400);
  });

  test("a catastrophic regular expression does not hang", async () => {
    const tenant = await newTenant();
    const e = await runAs(tenant.token, "regex", `export default (input) => /(a+)+$/.test(input)`, { timeoutMs: 5000 }, "a".repeat(5000) + "!");
    expect(e).toMatchObject({ status: "succeeded", output: false });
  });

  test("deep recursion fails with the stack overflow, and the runner lives on", async () => {
    const tenant = await newTenant();
    const e = await runAs(tenant.token, "recurse", `export default function f(n = 0) { return f(n + 1) + 1; }`);
    expect(e).toMatchObject({ status: "failed", error: { message: expect.stringMatching(/RangeError: Maximum call stack/) } });
    expect((await runAs(tenant.token, "after-recurse", "export default () => 'fine'")).output).toBe("fine");
  });
});

describe("memory", () => {
  const bomb = `export default (mb) => { const keep = []; for (let i = 0; i < mb; i++) keep.push(new Array(131072).fill(i + 0.5)); return keep.length; }`;

  test("a script past its memory limit fails with MEMORY_LIMIT and the platform stays up", async () => {
    const tenant = await newTenant();
    const e = await runAs(tenant.token, "bomb", bomb, { memoryMb: 128, timeoutMs: 20_000 }, 400);
    expect(e).toMatchObject({ status: "failed", error: { code: "MEMORY_LIMIT", message: expect.stringContaining("memory limit") } });
    expect((await system.api("GET", "/healthz")).status).toBe(200);
  });

  test("the limit is the script's own: the same allocation fits under a larger memoryMb", async () => {
    const tenant = await newTenant();
    const small = await runAs(tenant.token, "needs-160", bomb, { memoryMb: 128, timeoutMs: 20_000 }, 160);
    expect(small).toMatchObject({ status: "failed", error: { code: "MEMORY_LIMIT" } });
    const big = await runAs(tenant.token, "gets-256", bomb, { memoryMb: 256, timeoutMs: 20_000 }, 160);
    expect(big).toMatchObject({ status: "succeeded", output: 160 });
  });
});

describe("neighbours", () => {
  test("another tenant's runs complete, uninterrupted, while a runaway spins and is killed", async () => {
    const attacker = await newTenant();
    const neighbour = await newTenant();
    const spinId = await system.script({ name: "spin", code: "export default () => { for (;;) {} }", timeoutMs: 1000 }, attacker.token);
    const slowId = await system.script(
      { name: "slow-but-fine", code: "export default async (i) => { await new Promise((r) => setTimeout(r, 1500)); return i; }" },
      neighbour.token,
    );
    const quickId = await system.script({ name: "steady", code: "export default (i) => i * 2" }, neighbour.token);
    // The neighbour's slow run spans the whole life of the runaway, kill included.
    const slow = system.run(slowId, "survived", neighbour.token);
    const spinning = system.run(spinId, null, attacker.token);
    for (let i = 0; i < 5; i++) {
      expect((await system.run(quickId, i, neighbour.token)).body).toMatchObject({ status: "succeeded", output: i * 2 });
    }
    expect((await spinning).body.status).toBe("timed_out");
    expect((await slow).body).toMatchObject({ status: "succeeded", output: "survived" });
  });

  test("a tenant whose runaway was stopped is penalised with lower CPU priority", async () => {
    const attacker = await newTenant();
    const spinId = await system.script({ name: "spin", code: "export default () => { for (;;) {} }", timeoutMs: 300 }, attacker.token);
    expect((await system.run(spinId, null, attacker.token)).body.status).toBe("timed_out");
    const runners = await system.api("GET", "/admin/api/runners");
    expect(runners.body.penalisedTenants).toContain(attacker.id);
    expect((await system.api("GET", "/admin/api/runners", undefined, { token: attacker.token })).status).toBe(403);
  });
});

describe("concurrency quotas", () => {
  test("over its quota a tenant's sync runs get 429 with Retry-After, async runs wait in order, nothing is dropped", async () => {
    const tenant = await newTenant();
    expect((await system.api("PATCH", `/admin/api/tenants/${tenant.slug}`, { maxConcurrency: 2 })).status).toBe(200);
    const id = await system.script(
      { name: "sleeper", code: "export default async (i) => { await new Promise((r) => setTimeout(r, 800)); return i; }" },
      tenant.token,
    );
    const started = [];
    for (let i = 0; i < 5; i++)
      started.push((await system.api("POST", `/admin/api/scripts/${id}/runs`, { input: i, mode: "async" }, { token: tenant.token })).body);
    expect(started.map((s) => s.status)).toEqual(["running", "running", "queued", "queued", "queued"]);

    const usage = await system.api("GET", "/admin/api/usage", undefined, { token: tenant.token });
    expect(usage.body).toMatchObject({ running: 2, queued: 3, limit: 2 });
    const tenants = await system.api("GET", "/admin/api/tenants");
    expect(tenants.body.items.find((t: { slug: string }) => t.slug === tenant.slug).usage).toMatchObject({ running: 2, queued: 3, limit: 2 });

    const sync = await system.api("POST", `/admin/api/scripts/${id}/runs`, { input: 99 }, { token: tenant.token });
    expect(sync.status).toBe(429);
    expect(sync.headers.get("retry-after")).toBe("1");
    expect(sync.body.error.code).toBe("RATE_LIMITED");

    const finished = await Promise.all(started.map((s) => system.waitForExecution(s.id, 20_000, tenant.token)));
    expect(finished.map((e) => [e.status, e.output])).toEqual([0, 1, 2, 3, 4].map((i) => ["succeeded", i]));
    // In order: the last one queued waited until both queued before it had started (those two
    // take the two freed slots together, so their own order is within a millisecond or two).
    const starts = finished.slice(2).map((e) => Date.parse(e.startedAt));
    expect(starts[2]).toBeGreaterThanOrEqual(Math.max(starts[0]!, starts[1]!));
    const history = await system.api("GET", `/admin/api/executions?scriptId=${id}`, undefined, { token: tenant.token });
    expect(history.body.items).toHaveLength(5);
  });

  test("another tenant is not held back by one at its quota", async () => {
    const busy = await newTenant();
    const other = await newTenant();
    await system.api("PATCH", `/admin/api/tenants/${busy.slug}`, { maxConcurrency: 1 });
    const id = await system.script({ name: "hog", code: "export default async () => { await new Promise((r) => setTimeout(r, 1000)); }" }, busy.token);
    for (let i = 0; i < 3; i++) await system.api("POST", `/admin/api/scripts/${id}/runs`, { mode: "async" }, { token: busy.token });
    const quick = await runAs(other.token, "quick", "export default () => 'no wait'");
    expect(quick).toMatchObject({ status: "succeeded", output: "no wait" });
  });

  test("a tenant's waiting run starts when its own slot frees, not behind another tenant's older queue", async () => {
    const busy = await newTenant();
    const other = await newTenant();
    for (const t of [busy, other]) await system.api("PATCH", `/admin/api/tenants/${t.slug}`, { maxConcurrency: 1 });
    const sleeper = "export default async (i) => { await new Promise((r) => setTimeout(r, 1000)); return i; }";
    const hog = await system.script({ name: "hog", code: sleeper }, busy.token);
    const mine = await system.script({ name: "mine", code: sleeper }, other.token);
    const queue = async (token: string, id: string, input: number) =>
      (await system.api("POST", `/admin/api/scripts/${id}/runs`, { input, mode: "async" }, { token })).body as { id: string; status: string };
    const otherFirst = await queue(other.token, mine, 0);
    const busyRuns = [];
    for (let i = 0; i < 4; i++) busyRuns.push(await queue(busy.token, hog, i));
    const otherSecond = await queue(other.token, mine, 1);
    expect([otherFirst.status, otherSecond.status]).toEqual(["running", "queued"]);
    const [first, second] = await Promise.all([otherFirst, otherSecond].map((r) => system.waitForExecution(r.id, 20_000, other.token)));
    const busyThird = await system.waitForExecution(busyRuns[2]!.id, 20_000, busy.token);
    // The busy tenant's runs were queued first, but only its own finishing runs free its slot.
    expect(Date.parse(second!.startedAt)).toBeGreaterThanOrEqual(Date.parse(first!.finishedAt));
    expect(Date.parse(second!.startedAt)).toBeLessThan(Date.parse(busyThird.startedAt));
  });

  test("bad tenant settings are refused naming the field", async () => {
    const tenant = await newTenant();
    const r = await system.api("PATCH", `/admin/api/tenants/${tenant.slug}`, { maxConcurrency: 0 });
    expect(r.status).toBe(422);
    expect(r.body.error.field).toBe("maxConcurrency");
    expect((await system.api("PATCH", "/admin/api/tenants/nosuch", { maxConcurrency: 2 })).status).toBe(404);
    expect((await system.api("PATCH", `/admin/api/tenants/${tenant.slug}`, { maxConcurrency: 3 }, { token: tenant.token })).status).toBe(403);
  });
});
