// The platform's cap on running executions is shared fairly: tenants at their own limits can
// fill it, but they cannot keep another tenant from starting its runs.
import { afterAll, beforeAll, expect, test } from "vitest";
import { System } from "../support/system.ts";

let system: System;

beforeAll(async () => {
  system = await System.start({ env: { GLOBAL_CONCURRENCY: "4" } });
});
afterAll(async () => {
  await system?.destroy();
});

test("a tenant whose runs fill the platform's cap cannot keep another tenant from running", async () => {
  const busy = await system.tenant("busy");
  const quiet = await system.tenant("quiet");
  const slow = await system.script(
    { name: "slow", code: "export default async (i) => { await new Promise((r) => setTimeout(r, 3000)); return i; }" },
    busy.token,
  );
  const started = [];
  for (let i = 0; i < 5; i++)
    started.push((await system.api("POST", `/admin/api/scripts/${slow}/runs`, { input: i, mode: "async" }, { token: busy.token })).body);
  // The busy tenant has the whole cap: its fifth run waits although its own limit is 10.
  expect(started.map((s) => s.status)).toEqual(["running", "running", "running", "running", "queued"]);

  const quick = await system.script({ name: "quick", code: "export default (i) => i + 1" }, quiet.token);
  const answer = await system.run(quick, 41, quiet.token);
  expect(answer.status).toBe(200);
  expect(answer.body).toMatchObject({ status: "succeeded", output: 42 });

  const finished = await Promise.all(started.map((s) => system.waitForExecution(s.id, 30_000, busy.token)));
  expect(finished.map((e) => e.status)).toEqual(["succeeded", "succeeded", "succeeded", "succeeded", "succeeded"]);
});
