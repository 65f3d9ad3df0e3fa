// When a cron schedule runs in its time zone, from croner. Our DST rule: a local time skipped by
// clocks going forward runs once, at the first minute after the gap; a local time repeated by
// clocks going back runs once, at its first occurrence. croner does exactly that for "fixed-time"
// jobs, but runs "interval" jobs (`*/15`, `0 *`, `30 2,14` by default) on both occurrences of a
// repeated hour and not at all in a gap. With `fixedTimeRule: "no-wildcard"` a job whose minute
// and hour fields are plain lists is fixed-time, so we hand croner those fields written out.
import { Cron } from "croner";
import { parseCron, patternOptions, type ParsedCron } from "./parse.ts";
import { offsetAt, isoInZone } from "./zone.ts";

function inZone(cron: ParsedCron, zone: string): Cron {
  const [, , ...days] = cron.fields;
  const fixedTime = [cron.minutes.join(","), cron.hours.join(","), ...days].join(" ");
  return new Cron(fixedTime, { ...patternOptions, fixedTimeRule: "no-wildcard", timezone: zone });
}

/** The run instants (ms) strictly after `after` and not after `until`, in order, at most `count`. */
export function nextRuns(cron: ParsedCron, zone: string, after: number, count: number, until = Infinity): number[] {
  const schedule = inZone(cron, zone);
  const out: number[] = [];
  for (let t = schedule.nextRun(new Date(after)); t && t.getTime() <= until && out.length < count; t = schedule.nextRun(t)) {
    out.push(t.getTime());
  }
  return out;
}

/**
 * The last `count` run instants after `after` and not after `until`, and whether earlier ones
 * were left out: after long downtime a per-minute schedule has tens of thousands of slots, and
 * walking all of them forward costs seconds per script. croner walks back to the earliest of
 * the last `count`; the list itself is then walked forward, so it follows the DST rule above.
 */
export function lastRuns(cron: ParsedCron, zone: string, after: number, until: number, count: number): { runs: number[]; more: boolean } {
  const back = inZone(cron, zone).previousRuns(count + 1, new Date(until + 1));
  const inRange = back
    .map((d) => d.getTime())
    .filter((t) => t > after && t <= until)
    .sort((a, b) => b - a);
  if (inRange.length <= count) return { runs: nextRuns(cron, zone, after, count + 1, until), more: false };
  const runs = nextRuns(cron, zone, inRange[count - 1]! - 1, count + 1, until);
  return { runs: runs.slice(-count), more: true };
}

export interface UpcomingRun {
  /** ISO 8601 in the schedule's zone, with its offset. */
  at: string;
  /** The offset differs from the previous run's (or from now, for the first): a DST change lies between. */
  dstChange: boolean;
}

export function upcoming(cron: string | ParsedCron, zone: string, from: number, count = 5): UpcomingRun[] {
  const parsed = typeof cron === "string" ? parseCron(cron) : cron;
  let previous = offsetAt(from, zone);
  return nextRuns(parsed, zone, from, count).map((t) => {
    const offset = offsetAt(t, zone);
    const run = { at: isoInZone(t, zone), dstChange: offset !== previous };
    previous = offset;
    return run;
  });
}
