// Cron schedules in a time zone: the syntax users write, and what DST changes do to a run.
import { describe, expect, test } from "vitest";
import { CronError, parseCron, upcoming } from "../../protocol/cron/index.ts";

const at = (iso: string) => Date.parse(iso);
const runs = (cron: string, zone: string, from: string, count = 5) => upcoming(cron, zone, at(from), count).map((r) => r.at);

describe("cron syntax", () => {
  test.each([
    ["*/15 * * * *", "minute", [0, 15, 30, 45]],
    ["0 9-17/4 * * *", "hour", [9, 13, 17]],
    ["0 0 1,15 * *", "day of month", [1, 15]],
  ])("%s expands the %s field", (cron, _field, expected) => {
    const f = parseCron(cron);
    const value = cron.startsWith("*/") ? f.minutes : cron.includes("9-17") ? f.hours : f.daysOfMonth;
    expect(value).toEqual(expected);
  });

  test("names for months and weekdays, any case, and 7 as Sunday", () => {
    const f = parseCron("0 0 * jan-Mar MON-fri");
    expect(f.months).toEqual([1, 2, 3]);
    expect(f.daysOfWeek).toEqual([1, 2, 3, 4, 5]);
    expect(parseCron("0 0 * * 7").daysOfWeek).toEqual([0]);
    expect(parseCron("@daily").hours).toEqual([0]);
  });

  test.each([
    ["* * * *", /5 fields/],
    ["61 * * * *", /minute field: 61 is out of range 0-59/],
    ["* 24 * * *", /hour field/],
    ["* * 0 * *", /day-of-month field/],
    ["* * * 13 *", /month field/],
    ["* * * * FUNDAY", /day-of-week field/],
    ["*/0 * * * *", /step/],
    ["5-1 * * * *", /backwards/],
    ["1,,2 * * * *", /empty/],
  ])("%j is refused: %s", (cron, message) => {
    expect(() => parseCron(cron)).toThrow(CronError);
    expect(() => parseCron(cron)).toThrow(message);
  });

  test("both day fields restricted means either one, as in standard cron", () => {
    // The 13th of a month, or any Friday.
    expect(runs("0 12 13 * 5", "UTC", "2026-11-01T00:00:00Z", 4)).toEqual([
      "2026-11-06T12:00:00+00:00",
      "2026-11-13T12:00:00+00:00",
      "2026-11-20T12:00:00+00:00",
      "2026-11-27T12:00:00+00:00",
    ]);
  });

  test("a schedule that runs only on 29 February is found years ahead", () => {
    expect(runs("0 0 29 2 *", "UTC", "2026-11-24T00:00:00Z", 2)).toEqual(["2028-02-29T00:00:00+00:00", "2032-02-29T00:00:00+00:00"]);
  });
});

describe("time zones and DST", () => {
  test("runs at local time, with the zone's offset in the answer", () => {
    expect(runs("30 8 * * *", "Asia/Kolkata", "2026-11-24T00:00:00Z", 2)).toEqual(["2026-11-24T08:30:00+05:30", "2026-11-25T08:30:00+05:30"]);
  });

  test("a local time skipped by clocks going forward runs once, at the first minute after the gap", () => {
    // Berlin, 29 March 2026: 02:00 becomes 03:00.
    expect(runs("30 2 * * *", "Europe/Berlin", "2026-03-27T12:00:00Z", 3)).toEqual([
      "2026-03-28T02:30:00+01:00",
      "2026-03-29T03:00:00+02:00",
      "2026-03-30T02:30:00+02:00",
    ]);
    // Every 15 minutes through the gap: 02:00-02:45 collapse into one run at 03:00.
    expect(runs("*/15 2,3 * * *", "Europe/Berlin", "2026-03-29T00:50:00Z", 5)).toEqual([
      "2026-03-29T03:00:00+02:00",
      "2026-03-29T03:15:00+02:00",
      "2026-03-29T03:30:00+02:00",
      "2026-03-29T03:45:00+02:00",
      "2026-03-30T02:00:00+02:00",
    ]);
  });

  test("a local hour repeated by clocks going back runs once", () => {
    // New York, 1 November 2026: 01:00-01:59 happens twice.
    expect(runs("30 1 * * *", "America/New_York", "2026-10-31T12:00:00Z", 3)).toEqual([
      "2026-11-01T01:30:00-04:00",
      "2026-11-02T01:30:00-05:00",
      "2026-11-03T01:30:00-05:00",
    ]);
    const hourly = runs("0 * * * *", "America/New_York", "2026-11-01T04:30:00Z", 3);
    expect(hourly).toEqual(["2026-11-01T01:00:00-04:00", "2026-11-01T02:00:00-05:00", "2026-11-01T03:00:00-05:00"]);
  });

  test("runs that fall across a DST change are marked", () => {
    const list = upcoming("0 12 * * *", "Europe/Berlin", at("2026-10-23T00:00:00Z"), 4);
    expect(list.map((r) => r.dstChange)).toEqual([false, false, true, false]);
    expect(list[2]!.at).toBe("2026-10-25T12:00:00+01:00");
  });
});
