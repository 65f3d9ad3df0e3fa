// The fallback where a machine offers no writable cgroup: the host's /proc watchdog holds the
// same memory limit (CI runs this file beside the cgroup one, so both paths are exercised).
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, expect, test } from "vitest";
import { System } from "../support/system.ts";
import { offHeapBombs } from "../support/attacks.ts";

let system: System;

beforeAll(async () => {
  system = await System.start({ env: { RUNNER_MEMORY_TIERS: "128,256", IOTA_CONTAINMENT: "watchdog" } });
});
afterAll(async () => {
  await system?.destroy();
});

test("the host says its runners are bounded by the watchdog", async () => {
  expect(system.output).toMatch(/limits: +watchdog/);
  expect((await system.api("GET", "/admin/api/runners")).body.containment).toBe("watchdog");
});

test.each(offHeapBombs)("%s past memoryMb 128 fail with MEMORY_LIMIT; the tenant runs again at lower priority", async (_name, code) => {
  const attacker = await system.tenant(`w${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`);
  const id = await system.script({ name: "off-heap", code, memoryMb: 128, timeoutMs: 20_000 }, attacker.token);
  const e = (await system.run(id, 2048, attacker.token)).body;
  expect(e).toMatchObject({ status: "failed", error: { code: "MEMORY_LIMIT" } });
  const after = await system.script({ name: "after", code: "export default () => 'fine'" }, attacker.token);
  expect((await system.run(after, null, attacker.token)).body).toMatchObject({ status: "succeeded", output: "fine" });
  const tenantId = (await system.api("GET", "/admin/api/me", undefined, { token: attacker.token })).body.tenant.id;
  // Without a cgroup, a penalty is a nice value on each of the tenant's processes: the one the
  // host restarts after the kill gets it once it is up, which may be a moment after the next run.
  const niceOf = (pid: number) => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
    } catch {
      return undefined; // replaced meanwhile: asked again
    }
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    const runners = (await system.api("GET", "/admin/api/runners")).body;
    expect(runners.penalisedTenants).toContain(tenantId);
    const shards = runners.shards.filter((s: { owner?: string; pid?: number }) => s.owner === tenantId && s.pid !== undefined);
    const nices = shards.map((s: { pid: number }) => niceOf(s.pid));
    if (shards.length > 0 && nices.every((n: number) => n === 10)) break;
    if (Date.now() > deadline) throw new Error(`the tenant's processes are not all at nice 10: ${JSON.stringify(shards)} ${nices}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
});
