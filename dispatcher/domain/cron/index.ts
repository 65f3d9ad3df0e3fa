// Cron schedules: parsing, and when they run in a time zone.
import { crossesOffsetChange, nextRuns } from "./schedule.ts";
import { parseCron, type CronFields } from "./parse.ts";
import { isoInZone } from "./zone.ts";

export { CronError, parseCron, type CronFields } from "./parse.ts";
export { nextRuns } from "./schedule.ts";
export { isKnownZone, isoInZone } from "./zone.ts";

export interface UpcomingRun {
  /** ISO 8601 in the schedule's zone, with its offset. */
  at: string;
  /** The offset differs from the previous run's (or from now, for the first): a DST change lies between. */
  dstChange: boolean;
}

export function upcoming(cron: string | CronFields, zone: string, from: number, count = 5): UpcomingRun[] {
  const fields = typeof cron === "string" ? parseCron(cron) : cron;
  let previous = from;
  return nextRuns(fields, zone, from, count).map((t) => {
    const run = { at: isoInZone(t, zone), dstChange: crossesOffsetChange(previous, t, zone) };
    previous = t;
    return run;
  });
}
