// Containment at the process: what a hostile tenant's script can do to its runner process
// (hold memory outside the V8 heap, leave CPU work running after it returns, call the runner's
// port directly) and what a user of the neighbouring tenant sees meanwhile: nothing.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { System } from "../support/system.ts";
import { offHeapBombs } from "../support/attacks.ts";

let system: System;

beforeAll(async () => {
  system = await System.start({ env: { RUNNER_MEMORY_TIERS: "128,256" } });
});
afterAll(async () => {
  await system?.destroy();
});

let tenantCount = 0;
async function newTenant(): Promise<{ id: string; slug: string; token: string }> {
  const slug = `p${++tenantCount}-${Date.now().toString(36)}`;
  const created = await system.api("POST", "/admin/api/tenants", { slug, name: slug });
  const token = (await system.api("POST", "/admin/api/tokens", { name: "owner", role: "owner", tenant: slug })).body.token;
  return { id: created.body.id, slug, token };
}

/** Runs quick sync runs as `tenant` until `until` settles; returns every run's record. */
async function neighbourRunsDuring(until: Promise<unknown>): Promise<{ status: string; output: unknown }[]> {
  const neighbour = await newTenant();
  const id = await system.script({ name: "steady", code: "export default (i) => i * 2" }, neighbour.token);
  const seen: { status: string; output: unknown }[] = [];
  let done = false;
  void until.finally(() => (done = true));
  for (let i = 0; !done || seen.length < 3; i++) seen.push((await system.run(id, i, neighbour.token)).body);
  return seen;
}

async function runnersOf(tenantId: string) {
  const runners = (await system.api("GET", "/admin/api/runners")).body;
  return { ...runners, shards: runners.shards.filter((s: { owner?: string }) => s.owner === tenantId) };
}

test("the host says which enforcement bounds its runners, and each runner belongs to one tenant", async () => {
  expect(system.output).toMatch(/limits: +(cgroup v1|cgroup v2|watchdog)/);
  const a = await newTenant();
  const b = await newTenant();
  for (const t of [a, b])
    expect((await system.run(await system.script({ name: "hi", code: "export default () => 1" }, t.token), null, t.token)).body.status).toBe("succeeded");
  const runners = (await system.api("GET", "/admin/api/runners")).body;
  const [ra, rb] = [runners.shards.filter((s: { owner?: string }) => s.owner === a.id), runners.shards.filter((s: { owner?: string }) => s.owner === b.id)];
  expect(ra).toHaveLength(1);
  expect(rb).toHaveLength(1);
  expect(ra[0].pid).not.toBe(rb[0].pid);
  expect(ra[0].limitMb).toBeGreaterThan(ra[0].tierMb);
});

describe("memory outside the V8 heap is bounded by the runner's limit", () => {
  test.each(offHeapBombs)("%s past memoryMb 128 fail with MEMORY_LIMIT while the neighbour's runs succeed", async (_name, code) => {
    const attacker = await newTenant();
    const id = await system.script({ name: "off-heap", code, memoryMb: 128, timeoutMs: 20_000 }, attacker.token);
    const bomb = system.run(id, 2048, attacker.token);
    const neighbour = await neighbourRunsDuring(bomb);
    const e = (await bomb).body;
    expect(e).toMatchObject({ status: "failed", error: { code: "MEMORY_LIMIT", message: expect.stringContaining("memory limit") } });
    expect(neighbour.every((r) => r.status === "succeeded")).toBe(true);
    // The tenant's process came back, and holds no more than its limit. The run goes to the same
    // 128 MB tier (the default 256 would start a second process and prove nothing about this one).
    const afterId = await system.script({ name: "after", code: "export default () => 'fine'", memoryMb: 128 }, attacker.token);
    const after = (await system.run(afterId, null, attacker.token)).body;
    expect(after).toMatchObject({ status: "succeeded", output: "fine" });
    const runner = (await runnersOf(attacker.id)).shards.find((s: { tierMb: number }) => s.tierMb === 128);
    expect(runner.residentMb).toBeGreaterThan(0);
    expect(runner.restarts).toBeGreaterThanOrEqual(1);
    expect(runner.residentMb).toBeLessThanOrEqual(runner.limitMb);
  });

  test("the limit is the script's own: buffers past 128 MB fit under memoryMb 256", async () => {
    const tenant = await newTenant();
    const small = await system.script({ name: "buffers-128", code: offHeapBombs[0]![1], memoryMb: 128, timeoutMs: 20_000 }, tenant.token);
    expect((await system.run(small, 208, tenant.token)).body).toMatchObject({ status: "failed", error: { code: "MEMORY_LIMIT" } });
    const big = await system.script({ name: "buffers-256", code: offHeapBombs[0]![1], memoryMb: 256, timeoutMs: 20_000 }, tenant.token);
    expect((await system.run(big, 208, tenant.token)).body).toMatchObject({ status: "succeeded", output: 208 });
  });
});

describe("no work outlives its execution", () => {
  // workerd drops a finished call's timers and promise chains by itself; waitUntil is how work
  // is kept alive past the call, and that is what the host has to stop.
  test.each([
    [
      "handed to waitUntil",
      true,
      `import { waitUntil } from "cloudflare:workers";
      export default () => { waitUntil(new Promise((r) => setTimeout(r, 20)).then(() => { for (;;) {} })); return "done"; }`,
    ],
    ["left on a timer", false, `export default () => { setTimeout(() => { for (;;) {} }, 20); return "done"; }`],
    [
      "in a promise chain nobody awaits",
      false,
      `export default () => { (async () => { await new Promise((r) => setTimeout(r, 20)); for (;;) {} })(); return "done"; }`,
    ],
  ])("CPU work %s ends with its execution; the tenant's next run is not blamed", async (_name, kept, code) => {
    const tenant = await newTenant();
    const leaver = await system.script({ name: "leaves-work", code, timeoutMs: 5000 }, tenant.token);
    const innocent = await system.script({ name: "innocent", code: "export default () => 'innocent'", timeoutMs: 15_000 }, tenant.token);
    const first = (await system.run(leaver, null, tenant.token)).body;
    // What the script returned is what it returned; what it left behind is stopped apart.
    expect(first).toMatchObject({ status: "succeeded", output: "done" });
    // Sent once the work it left has had time to take the runner: this run must not pay for it.
    await new Promise((r) => setTimeout(r, 200));
    const next = system.run(innocent, null, tenant.token);
    const neighbour = await neighbourRunsDuring(next);
    expect((await next).body).toMatchObject({ status: "succeeded", output: "innocent" });
    expect(neighbour.every((r) => r.status === "succeeded")).toBe(true);
    // Whatever kept running was stopped: the tenant's runner is idle, or was restarted.
    const runner = await waitFor(async () => {
      const [shard] = (await runnersOf(tenant.id)).shards;
      return shard.restarts > 0 || (await runnableShare(shard.pid, 300)) < 0.5 ? shard : undefined;
    });
    if (kept) {
      expect(runner.restarts).toBeGreaterThanOrEqual(1);
      expect((await runnersOf(tenant.id)).penalisedTenants).toContain(tenant.id);
      // The record of the run that left the work says what happened after it returned.
      const noted = await waitFor(async () => {
        const record = (await system.api("GET", `/admin/api/executions/${first.id}`, undefined, { token: tenant.token })).body;
        return record.logs.some((l: { message: string }) => l.message.includes("work it left running")) ? record : undefined;
      });
      expect(noted.status).toBe("succeeded");
    }
  });
});

/** The share of `ms` the process's JavaScript thread was runnable. */
async function runnableShare(pid: number, ms: number): Promise<number> {
  const read = () =>
    readFileSync(`/proc/${pid}/schedstat`, "utf8")
      .split(" ")
      .slice(0, 2)
      .reduce((a, b) => a + Number(b), 0) / 1e6;
  const before = read();
  await new Promise((r) => setTimeout(r, ms));
  return (read() - before) / ms;
}

async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`still not so after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test("a runner's port refuses a job without the host's per-start secret", async () => {
  const tenant = await newTenant();
  await system.run(await system.script({ name: "warm", code: "export default () => 1" }, tenant.token), null, tenant.token);
  const [runner] = (await runnersOf(tenant.id)).shards;
  const config = readFileSync(
    readFileSync(`/proc/${runner.pid}/cmdline`, "utf8")
      .split("\0")
      .find((arg) => arg.endsWith(".capnp"))!,
    "utf8",
  );
  const address = /sockets = \[ \(name = "http", address = "([^"]+)"/.exec(config)![1];
  const job = {
    executionId: "exe_forged",
    tenantId: tenant.id,
    tenantSlug: tenant.slug,
    scriptId: "scr_x",
    scriptName: "x",
    version: 1,
    codeHash: "forged",
    code: "export default () => 'ran'",
    input: "null",
    trigger: "manual",
    attempt: 1,
    timeoutMs: 1000,
    memoryMb: 128,
  };
  for (const headers of [{}, { "x-iota-runner-secret": "guess" }] as Record<string, string>[]) {
    const answer = await fetch(`http://${address}/run`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(job),
    });
    expect(answer.status).toBe(403);
    expect(await answer.text()).not.toContain("ran");
  }
});
