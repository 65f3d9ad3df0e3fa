// Wall-clock arithmetic in an IANA time zone, with Intl as the only source of zone rules.

export interface LocalTime {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" });
    formatters.set(zone, f);
  }
  return f;
}

export function localTime(instant: number, zone: string): LocalTime {
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(new Date(instant))) if (p.type !== "literal") parts[p.type] = Number(p.value);
  return { year: parts.year!, month: parts.month!, day: parts.day!, hour: parts.hour! % 24, minute: parts.minute! };
}

/** The zone's offset from UTC at an instant, in ms (positive east of Greenwich). */
export function offsetAt(instant: number, zone: string): number {
  const l = localTime(instant, zone);
  const seconds = new Date(instant).getUTCSeconds();
  const asUtc = Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, seconds);
  return asUtc - (instant - new Date(instant).getUTCMilliseconds());
}

const wallClock = (l: LocalTime) => Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute);

/**
 * The instant a local time means. A time that occurs twice (clocks going back) means its first
 * occurrence; a time that does not occur (clocks going forward) means the first minute after
 * the gap, so a run scheduled inside the gap still runs, once.
 */
export function instantOf(l: LocalTime, zone: string): number {
  const wall = wallClock(l);
  const before = offsetAt(wall - 36 * 3600_000, zone);
  const after = offsetAt(wall + 36 * 3600_000, zone);
  const candidates = [...new Set([wall - before, wall - after, wall - offsetAt(wall, zone)])]
    .filter((t) => wallClock(localTime(t, zone)) === wall)
    .sort((a, b) => a - b);
  if (candidates.length > 0) return candidates[0]!;
  // In the gap: step back from where the old offset lands to the transition itself.
  let t = wall - before;
  while (offsetAt(t - 60_000, zone) !== before) t -= 60_000;
  return t;
}

/** ISO 8601 with the zone's offset at that instant: 2026-03-29T03:00:00+02:00. */
export function isoInZone(instant: number, zone: string): string {
  const l = localTime(instant, zone);
  const offsetMin = Math.round(offsetAt(instant, zone) / 60_000);
  const sign = offsetMin < 0 ? "-" : "+";
  const abs = Math.abs(offsetMin);
  const pad = (n: number, w = 2) => String(n).padStart(w, "0");
  return `${pad(l.year, 4)}-${pad(l.month)}-${pad(l.day)}T${pad(l.hour)}:${pad(l.minute)}:00${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

export function isKnownZone(zone: string): boolean {
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}
