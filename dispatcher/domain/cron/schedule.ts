// When a cron schedule runs, in its time zone. See zone.ts for what DST changes do: a time
// skipped by clocks going forward runs once at the first minute after the gap, a time repeated
// by clocks going back runs once, at its first occurrence.
import type { CronFields } from "./parse.ts";
import { instantOf, localTime, offsetAt } from "./zone.ts";

const dayMs = 86_400_000;
// Eight years: long enough for every leap day, short enough to answer at once.
const searchDays = 366 * 8;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function dayMatches(f: CronFields, year: number, month: number, day: number): boolean {
  if (!f.months.includes(month)) return false;
  const dom = f.daysOfMonth.includes(day);
  const dow = f.daysOfWeek.includes(new Date(Date.UTC(year, month - 1, day)).getUTCDay());
  if (f.domRestricted && f.dowRestricted) return dom || dow;
  if (f.domRestricted) return dom;
  if (f.dowRestricted) return dow;
  return true;
}

/** The run instants strictly after `after` (ms) and not after `until`, in order, at most `count`. */
export function nextRuns(f: CronFields, zone: string, after: number, count: number, until = Infinity): number[] {
  const out: number[] = [];
  const start = localTime(after, zone);
  // Walk local calendar days; the day before covers runs that DST shifts across midnight.
  let cursor = Date.UTC(start.year, start.month - 1, start.day) - dayMs;
  for (let i = 0; i < searchDays && out.length < count && cursor <= until + dayMs; i++, cursor += dayMs) {
    const d = new Date(cursor);
    const year = d.getUTCFullYear();
    const month = d.getUTCMonth() + 1;
    const day = d.getUTCDate();
    if (day > daysInMonth(year, month) || !dayMatches(f, year, month, day)) continue;
    // Intl is slow: on the (almost every) day with one offset throughout, local times convert
    // by subtraction; only a day with a DST change takes the careful path.
    const steady = offsetAt(cursor - 12 * 3600_000, zone);
    const oneOffset = steady === offsetAt(cursor + 36 * 3600_000, zone);
    let last = -Infinity;
    outer: for (const hour of f.hours) {
      for (const minute of f.minutes) {
        const wall = Date.UTC(year, month - 1, day, hour, minute);
        if (wall + 14 * 3600_000 <= after) continue; // certainly before `after`, whatever the offset
        const t = oneOffset ? wall - steady : instantOf({ year, month, day, hour, minute }, zone);
        // Within a day, instants never go backwards: a gap folds onto its end, a repeat onto its first.
        if (t <= after || t === last) continue;
        if (t > until || out.length >= count) break outer;
        out.push(t);
        last = t;
      }
    }
  }
  return out;
}

/** Whether the zone's offset differs at `t` from at `previous`: the run falls across a DST change. */
export function crossesOffsetChange(previous: number, t: number, zone: string): boolean {
  return offsetAt(previous, zone) !== offsetAt(t, zone);
}
