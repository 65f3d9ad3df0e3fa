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
  const runners = (await system.api("GET", "/admin/api/runners")).body;
  const tenantId = (await system.api("GET", "/admin/api/me", undefined, { token: attacker.token })).body.tenant.id;
  expect(runners.penalisedTenants).toContain(tenantId);
  // Without a cgroup, a penalty is a nice value on the tenant's process.
  const shard = runners.shards.find((s: { owner?: string }) => s.owner === tenantId);
  const stat = readFileSync(`/proc/${shard.pid}/stat`, "utf8");
  expect(Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16])).toBe(10);
});
