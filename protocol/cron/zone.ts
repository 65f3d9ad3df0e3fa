// Reading an instant in an IANA time zone, with Intl as the only source of zone rules: the ISO
// form with the zone's offset that users see, and the offset on its own to spot a DST change.

const formats = new Map<string, Intl.DateTimeFormat>();

function format(zone: string): Intl.DateTimeFormat {
  let f = formats.get(zone);
  if (!f) {
    const parts = { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" } as const;
    f = new Intl.DateTimeFormat("en-US", { timeZone: zone, hourCycle: "h23", timeZoneName: "longOffset", ...parts });
    formats.set(zone, f);
  }
  return f;
}

function partsAt(instant: number, zone: string): Record<string, string> {
  return Object.fromEntries(
    format(zone)
      .formatToParts(new Date(instant))
      .map((p) => [p.type, p.value]),
  );
}

// "GMT+05:30", or "GMT" at UTC, as ISO writes it.
const isoOffset = (name = "GMT") => (name === "GMT" ? "+00:00" : name.slice(3).replace("\u2212", "-"));

/** The zone's offset at an instant as ISO writes it: "+05:30", "-04:00", "+00:00". */
export function offsetAt(instant: number, zone: string): string {
  return isoOffset(partsAt(instant, zone).timeZoneName);
}

/** ISO 8601 with the zone's offset at that instant: 2026-03-29T03:00:00+02:00. */
export function isoInZone(instant: number, zone: string): string {
  const p = partsAt(instant, zone);
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}${isoOffset(p.timeZoneName)}`;
}

export function isKnownZone(zone: string): boolean {
  try {
    format(zone);
    return true;
  } catch {
    return false;
  }
}
