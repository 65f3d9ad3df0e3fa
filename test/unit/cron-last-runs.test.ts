// After downtime the scheduler lists only the last slots it will record: the list must be the
// same as walking every slot forward and keeping the tail, DST changes included.
import { describe, expect, test } from "vitest";
import { lastRuns, nextRuns, parseCron } from "../../protocol/cron/index.ts";

// The longest window each is walked over, in days: long enough to pass DST changes, short
// enough that the full forward walk the test compares with stays quick.
const cases: [string, string, string, string, number][] = [
  ["every minute, over a spring-forward night", "* * * * *", "Europe/Berlin", "2026-03-28T12:00:00Z", 2],
  ["every 15 minutes, over a fall-back night", "*/15 * * * *", "America/New_York", "2026-10-31T00:00:00Z", 3],
  ["02:30 daily, skipped and repeated hours", "30 2 * * *", "Europe/Berlin", "2026-01-01T00:00:00Z", 400],
  ["weekdays at 9", "0 9 * * 1-5", "Australia/Lord_Howe", "2025-01-01T00:00:00Z", 400],
];

describe("the last slots before now", () => {
  test.each(cases)("%s: the tail of the full forward walk", (_name, expression, zone, start, maxDays) => {
    const cron = parseCron(expression);
    const from = Date.parse(start);
    for (const days of [0.01, 1, maxDays]) {
      const until = from + days * 86_400_000;
      const all = nextRuns(cron, zone, from, 1_000_000, until);
      const { runs, more } = lastRuns(cron, zone, from, until, 50);
      expect(runs).toEqual(all.slice(-50));
      expect(more).toBe(all.length > 50);
    }
  });
});
