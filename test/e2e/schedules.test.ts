// Scheduled scripts: the schedule a user sees, and a record for every slot after downtime.
// Downtime is made real by moving a script's next slot into the past in the database, exactly
// what a platform that was not running leaves behind.
import { createClient, type Client } from "@libsql/client";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { System } from "../support/system.ts";

let system: System;
let db: Client;

beforeAll(async () => {
  system = await System.start();
  db = createClient({ url: `file:${join(system.dataDir, "iota.db")}` });
});
afterAll(async () => {
  db?.close();
  await system?.destroy();
});

const minute = 60_000;
const floorMinute = (t: number) => t - (t % minute);

async function slotsOf(scriptId: string) {
  const r = await system.api("GET", `/admin/api/executions?scriptId=${scriptId}&limit=200`);
  return r.body.items as { status: string; trigger: string; id: string; errorCode: string | null }[];
}

async function waitFor<T>(what: () => Promise<T>, done: (v: T) => boolean, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await what();
    if (done(v) || Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("the schedule a user sees", () => {
  test("the next five runs in the script's zone, with offsets", async () => {
    const id = await system.script({ name: "nightly", kind: "scheduled", cron: "0 2 * * *", timezone: "America/New_York", code: "export default () => 1" });
    const r = await system.api("GET", `/admin/api/scripts/${id}/schedule`);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ cron: "0 2 * * *", timezone: "America/New_York", enabled: true });
    expect(r.body.next).toHaveLength(5);
    for (const run of r.body.next) expect(run.at).toMatch(/^\d{4}-\d\d-\d\dT02:00:00-0[45]:00$/);
  });

  test("a preview for an unsaved cron, and clear refusals", async () => {
    const ok = await system.api("GET", `/admin/api/schedule/preview?cron=${encodeURIComponent("*/30 9-10 * * MON")}&timezone=Europe/Berlin`);
    expect(ok.body.next.map((n: { at: string }) => n.at.slice(11, 16))).toEqual(["09:00", "09:30", "10:00", "10:30", "09:00"]);
    const bad = await system.api("GET", `/admin/api/schedule/preview?cron=${encodeURIComponent("60 * * * *")}`);
    expect(bad.status).toBe(422);
    expect(bad.body.error).toMatchObject({ field: "cron", message: expect.stringContaining("minute field: 60 is out of range") });
  });

  test.each([
    [{ cron: "* * *" }, "cron", "5 fields"],
    [{ cron: "0 0 31 2 *" }, "cron", "never runs"],
    [{ cron: "0 0 * * *", timezone: "Europe/Atlantis" }, "timezone", "IANA"],
    [{ cron: "0 0 * * *", missedPolicy: "maybe" }, "missedPolicy", "catch_up"],
  ])("%j is refused naming %s", async (fields, field, message) => {
    const r = await system.api("POST", "/admin/api/scripts", { name: "bad-schedule", kind: "scheduled", code: "export default () => 1", ...fields });
    expect(r.status).toBe(422);
    expect(r.body.error.field).toBe(field);
    expect(r.body.error.message).toContain(message);
  });

  test("the schedule of a non-scheduled script is a clear 422", async () => {
    const id = await system.script({ name: "manual-one", code: "export default () => 1" });
    expect((await system.api("GET", `/admin/api/scripts/${id}/schedule`)).status).toBe(422);
  });
});

describe("after downtime", () => {
  test("each slot missed while down is recorded, and the current one runs", async () => {
    // Not within seconds of a minute boundary: a slot passing mid-test would be a fourth missed one.
    if (minute - (Date.now() % minute) < 5000) await new Promise((r) => setTimeout(r, minute - (Date.now() % minute) + 200));
    const id = await system.script({ name: "every-minute", kind: "scheduled", cron: "* * * * *", code: "export default (i) => i" });
    const now = Date.now();
    await db.execute({ sql: "UPDATE scripts SET next_run_at = ? WHERE id = ?", args: [new Date(floorMinute(now) - 3 * minute).toISOString(), id] });
    const slots = await waitFor(
      () => slotsOf(id),
      (s) => s.length >= 4 && s.every((x) => x.status !== "running" && x.status !== "queued"),
    );
    const byStatus = slots.map((s) => s.status).sort();
    expect(byStatus).toEqual(["missed", "missed", "missed", "succeeded"]);
    expect(slots.every((s) => s.trigger === "scheduled")).toBe(true);
    const missed = await system.api("GET", `/admin/api/executions/${slots.find((s) => s.status === "missed")!.id}`);
    expect(missed.body.error).toMatchObject({ code: "MISSED", message: expect.stringContaining("the platform was not running") });
    const ran = await system.api("GET", `/admin/api/executions/${slots.find((s) => s.status === "succeeded")!.id}`);
    expect(ran.body.output.scheduledFor).toMatch(/T\d\d:\d\d:00\+00:00$/);
    expect(Date.parse(ran.body.output.scheduledFor)).toBe(floorMinute(Date.parse(ran.body.createdAt)));
  });

  test("catch_up runs the latest missed slot once, marked as caught up; skip only records it", async () => {
    const slot = floorMinute(Date.now()) - 5 * minute;
    const d = new Date(slot);
    const cron = `${d.getUTCMinutes()} ${d.getUTCHours()} * * *`;
    const catchUp = await system.script({ name: "daily-catch-up", kind: "scheduled", cron, missedPolicy: "catch_up", code: "export default (i) => i" });
    const skip = await system.script({ name: "daily-skip", kind: "scheduled", cron, missedPolicy: "skip", code: "export default (i) => i" });
    for (const id of [catchUp, skip]) await db.execute({ sql: "UPDATE scripts SET next_run_at = ? WHERE id = ?", args: [d.toISOString(), id] });

    const caught = await waitFor(
      () => slotsOf(catchUp),
      (s) => s.length === 1 && s[0]!.status === "succeeded",
    );
    const detail = await system.api("GET", `/admin/api/executions/${caught[0]!.id}`);
    expect(detail.body.output).toEqual({ scheduledFor: d.toISOString().replace(".000Z", "+00:00"), caughtUp: true });
    const skipped = await waitFor(
      () => slotsOf(skip),
      (s) => s.length === 1,
    );
    expect(skipped.map((s) => [s.status, s.errorCode])).toEqual([["missed", "MISSED"]]);
    // The pointer moved on to tomorrow: nothing more is recorded on later ticks.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await slotsOf(catchUp)).toHaveLength(1);
    const schedule = await system.api("GET", `/admin/api/scripts/${catchUp}/schedule`);
    expect(Date.parse(schedule.body.next[0].at)).toBe(slot + 24 * 60 * minute);
  });

  test("a disabled schedule records nothing; enabling it counts from now", async () => {
    const id = await system.script({ name: "paused", kind: "scheduled", cron: "* * * * *", enabled: false, code: "export default () => 1" });
    const row = await db.execute({ sql: "SELECT next_run_at FROM scripts WHERE id = ?", args: [id] });
    expect(row.rows[0]![0]).toBeNull();
    await system.api("PATCH", `/admin/api/scripts/${id}`, { enabled: true });
    const after = await db.execute({ sql: "SELECT next_run_at FROM scripts WHERE id = ?", args: [id] });
    expect(Date.parse(String(after.rows[0]![0]))).toBeGreaterThan(Date.now());
  });
});
