// Scheduled runs in real time, with two hosts sharing one database: each slot fires promptly,
// exactly once, and a slot whose previous run is still going is recorded as skipped, naming it.
// This file waits for real minute boundaries (about two minutes), in parallel with the others.
import { afterAll, beforeAll, expect, test } from "vitest";
import { System } from "../support/system.ts";

let first: System;
let second: System;

beforeAll(async () => {
  first = await System.start();
  second = await System.start({ dataDir: first.dataDir, token: first.token });
});
afterAll(async () => {
  await second?.stop();
  await first?.destroy();
});

const minute = 60_000;

async function until(time: number): Promise<void> {
  await new Promise((r) => setTimeout(r, Math.max(0, time - Date.now())));
}

test("each slot fires once within seconds of its minute; an overlapping slot is skipped naming the run still going", { timeout: 200_000 }, async () => {
  const id = await first.script({
    name: "long-runner",
    kind: "scheduled",
    cron: "* * * * *",
    timeoutMs: 150_000,
    code: "export default async (i, ctx) => { ctx.log.info('started for', i.scheduledFor); await new Promise((r) => setTimeout(r, 100_000)); }",
  });
  // The first slot is the minute boundary right after creation.
  const firstSlot = Math.ceil((Date.now() + 1) / minute) * minute;
  await until(firstSlot + 4000);
  const afterFirst = (await first.api("GET", `/admin/api/executions?scriptId=${id}`)).body.items;
  const firstRun = afterFirst.find((e: { status: string }) => e.status === "running");
  expect(firstRun, JSON.stringify(afterFirst)).toBeDefined();
  const detail = (await first.api("GET", `/admin/api/executions/${firstRun.id}`)).body;
  const slot = Date.parse(detail.input.scheduledFor);
  expect(slot % minute).toBe(0);
  // Prompt: the run started within a few seconds of its minute (the benchmark measures it finely).
  expect(Date.parse(detail.startedAt) - slot).toBeLessThan(3000);

  await until(slot + minute + 4000);
  const items = (await second.api("GET", `/admin/api/executions?scriptId=${id}`)).body.items as { id: string; status: string }[];
  const skipped = items.filter((e) => e.status === "skipped");
  expect(skipped.length, JSON.stringify(items)).toBeGreaterThanOrEqual(1);
  const skip = (await second.api("GET", `/admin/api/executions/${skipped[0]!.id}`)).body;
  expect(skip.error).toMatchObject({ code: "OVERLAP", message: `skipped: the previous run ${firstRun.id} was still going` });
  // Exactly once per slot, whichever host claimed it.
  const slots = await Promise.all(items.map(async (e) => (await first.api("GET", `/admin/api/executions/${e.id}`)).body.input.scheduledFor));
  expect(new Set(slots).size).toBe(slots.length);
  expect(items.filter((e) => e.status === "running")).toHaveLength(1);
  await first.api("PATCH", `/admin/api/scripts/${id}`, { enabled: false });
});
