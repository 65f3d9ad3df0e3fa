// Scheduled runs in real time, with two hosts sharing one database: each slot fires promptly,
// exactly once, and a slot whose previous run is still going is recorded as skipped, naming it.
// One real minute boundary shows both. At it, a short script fires its first slot, and a long
// script's slot is skipped: its run still going is the slot of the minute just passed, which its
// pointer was moved back to (what a tick that comes seconds late finds). Two boundaries, the first
// to start the long run, cost this file a whole idle minute more (it now waits about 40 s).
import { createClient, type Client } from "@libsql/client";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { System } from "../support/system.ts";

let first: System;
let second: System;
let db: Client;

beforeAll(async () => {
  first = await System.start();
  second = await System.start({ dataDir: first.dataDir, token: first.token });
  db = createClient({ url: `file:${join(first.dataDir, "iota.db")}` });
});
afterAll(async () => {
  db?.close();
  await second?.stop();
  await first?.destroy();
});

const minute = 60_000;
const floorMinute = (t: number) => t - (t % minute);

async function until(time: number): Promise<void> {
  await new Promise((r) => setTimeout(r, Math.max(0, time - Date.now())));
}

interface Item {
  id: string;
  status: string;
}

async function executionsOf(system: System, scriptId: string): Promise<Item[]> {
  return (await system.api("GET", `/admin/api/executions?scriptId=${scriptId}`)).body.items;
}

/** Polls until `done` holds or `deadline` passes; answers the last value either way. */
async function waitFor<T>(what: () => Promise<T>, done: (v: T) => boolean, deadline: number): Promise<T> {
  for (;;) {
    const v = await what();
    if (done(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
}

test("each slot fires once within seconds of its minute; an overlapping slot is skipped naming the run still going", { timeout: 150_000 }, async () => {
  // The long run must be under way well before the boundary: a tick that came after it would
  // find two slots due, record the older as missed and run the newer, with nothing to overlap.
  if (minute - (Date.now() % minute) < 10_000) await until(floorMinute(Date.now()) + minute + 200);
  const passed = floorMinute(Date.now());
  const boundary = passed + minute;

  const long = await first.script({
    name: "long-runner",
    kind: "scheduled",
    cron: "* * * * *",
    timeoutMs: 150_000,
    code: "export default async (i, ctx) => { ctx.log.info('started for', i.scheduledFor); await new Promise((r) => setTimeout(r, 100_000)); }",
  });
  // Created now, its first slot is the boundary.
  const onTime = await second.script({ name: "on-the-minute", kind: "scheduled", cron: "* * * * *", code: "export default (i) => i.scheduledFor" });
  await db.execute({ sql: "UPDATE scripts SET next_run_at = ? WHERE id = ?", args: [new Date(passed).toISOString(), long] });
  const before = await waitFor(
    () => executionsOf(first, long),
    (items) => items.some((e) => e.status === "running"),
    boundary - 2000,
  );
  const longRun = before.find((e) => e.status === "running");
  expect(longRun, JSON.stringify(before)).toBeDefined();
  expect(Date.parse((await first.api("GET", `/admin/api/executions/${longRun!.id}`)).body.input.scheduledFor)).toBe(passed);

  // At the boundary: the short script runs, the long one's slot is skipped.
  const ran = await waitFor(
    () => executionsOf(second, onTime),
    (items) => items.length > 0,
    boundary + 15_000,
  );
  expect(ran, JSON.stringify(ran)).toHaveLength(1);
  const detail = (await second.api("GET", `/admin/api/executions/${ran[0]!.id}`)).body;
  const slot = Date.parse(detail.input.scheduledFor);
  expect(slot).toBe(boundary);
  // Prompt: the run started within a few seconds of its minute (the benchmark measures it finely).
  expect(Date.parse(detail.startedAt) - slot).toBeLessThan(3000);

  const skipped = await waitFor(
    () => executionsOf(second, long),
    (items) => items.some((e) => e.status === "skipped"),
    boundary + 15_000,
  );
  const skip = (await second.api("GET", `/admin/api/executions/${skipped.find((e) => e.status === "skipped")?.id}`)).body;
  expect(skip.error, JSON.stringify(skipped)).toMatchObject({ code: "OVERLAP", message: `skipped: the previous run ${longRun!.id} was still going` });
  expect(Date.parse(skip.input.scheduledFor)).toBe(boundary);

  // Exactly once per slot, whichever host claimed it: both hosts tick every second, so by now
  // each has had several ticks past the boundary that could have claimed it again.
  await until(boundary + 4000);
  for (const id of [long, onTime]) {
    const items = await executionsOf(first, id);
    const slots = await Promise.all(items.map(async (e) => (await first.api("GET", `/admin/api/executions/${e.id}`)).body.input.scheduledFor));
    expect(new Set(slots).size, JSON.stringify(items)).toBe(slots.length);
  }
  const longItems = await executionsOf(first, long);
  expect(longItems.map((e) => e.status).sort()).toEqual(["running", "skipped"]);
  expect(await executionsOf(first, onTime)).toHaveLength(1);
  await Promise.all([long, onTime].map((id) => first.api("PATCH", `/admin/api/scripts/${id}`, { enabled: false })));
});
