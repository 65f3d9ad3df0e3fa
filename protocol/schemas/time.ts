// Times given by callers (history filters, an event's occurredAt): ISO 8601 as RFC 3339 profiles
// it, a calendar date or a date and time with the zone required. `Date.parse` alone also takes
// "1", "March 5" and local times without a zone, each meaning whatever the runtime guesses.
import * as z from "zod";
import { invalid } from "../errors.ts";

const isoDatePattern = /^(\d{4})-(\d{2})-(\d{2})$/;
const isoDateTimePattern = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})$/;

const hint = "must be an ISO 8601 date or time, like 2026-01-31 or 2026-01-31T12:00:00Z";

/** Midnight UTC of a day, or undefined when there is no such day (2026-02-30). */
function utcDay(year: number, month: number, day: number): Date | undefined {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day); // not Date.UTC, which reads years 0-99 as 19xx
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day ? date : undefined;
}

/** The instant as UTC ISO, or undefined when `value` is not one of the forms above. */
export function parseIsoTime(value: string): string | undefined {
  const date = isoDatePattern.exec(value);
  if (date) return utcDay(Number(date[1]), Number(date[2]), Number(date[3]))?.toISOString();
  const time = isoDateTimePattern.exec(value);
  const day = time && utcDay(Number(time[1]), Number(time[2]), Number(time[3]));
  if (!time || !day) return undefined;
  const [hours, minutes, seconds] = [Number(time[4]), Number(time[5]), Number(time[6] ?? 0)];
  const zone = time[8]!;
  const [offsetHours, offsetMinutes] = zone === "Z" ? [0, 0] : [Number(zone.slice(1, 3)), Number(zone.slice(-2))];
  if (hours > 23 || minutes > 59 || seconds > 59 || offsetHours > 23 || offsetMinutes > 59) return undefined;
  const offset = (zone.startsWith("-") ? -1 : 1) * (offsetHours * 60 + offsetMinutes);
  day.setUTCHours(hours, minutes - offset, seconds, Number((time[7] ?? "").padEnd(3, "0").slice(0, 3)));
  return day.toISOString();
}

/** `parseIsoTime`, refusing anything else with the API's error naming `field`. */
export function isoTime(value: string, field: string): string {
  const parsed = parseIsoTime(value);
  if (parsed === undefined) throw invalid(field, `${field} ${hint}`);
  return parsed;
}

/** A caller's time, answered as UTC ISO (`2026-01-31T14:00+02:00` becomes `2026-01-31T12:00:00.000Z`). */
export const isoTimeInput = z
  .string()
  .max(64)
  .transform((value, ctx) => {
    const parsed = parseIsoTime(value);
    if (parsed !== undefined) return parsed;
    ctx.addIssue({ code: "custom", message: hint, input: value });
    return z.NEVER;
  })
  .meta({ description: "ISO 8601: a date (midnight UTC) or a date and time with its zone", example: "2026-01-31T12:00:00Z" });
