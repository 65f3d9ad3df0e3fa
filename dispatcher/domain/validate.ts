// Small checks for request bodies. Each failure names the field at fault.
import { AppError, invalid } from "../../protocol/errors.ts";

export type Body = Record<string, unknown>;

export function asObject(value: unknown, what = "the request body"): Body {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new AppError("BAD_REQUEST", `${what} must be a JSON object`);
  }
  return value as Body;
}

/** Rejects fields the endpoint does not know: a typo must not be silently ignored. */
export function onlyKnown(body: Body, known: readonly string[]): void {
  for (const key of Object.keys(body)) {
    if (!known.includes(key)) throw invalid(key, `unknown field "${key}"; expected one of: ${known.join(", ")}`);
  }
}

interface StringRule {
  min?: number;
  max?: number;
  pattern?: RegExp;
  patternHint?: string;
}

export function optionalString(body: Body, field: string, rule: StringRule = {}): string | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw invalid(field, `${field} must be a string`);
  const { min = 0, max = 10_000 } = rule;
  if (value.length < min) throw invalid(field, min === 1 ? `${field} must not be empty` : `${field} must be at least ${min} characters`);
  if (value.length > max) throw invalid(field, `${field} must be at most ${max} characters`);
  if (rule.pattern && !rule.pattern.test(value)) throw invalid(field, `${field} ${rule.patternHint ?? "has an invalid format"}`);
  return value;
}

export function requiredString(body: Body, field: string, rule: StringRule = {}): string {
  const value = optionalString(body, field, { min: 1, ...rule });
  if (value === undefined) throw invalid(field, `${field} is required`);
  return value;
}

export function optionalInteger(body: Body, field: string, min: number, max: number): number | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value)) throw invalid(field, `${field} must be a whole number`);
  if (value < min || value > max) throw invalid(field, `${field} must be from ${min} to ${max}`);
  return value;
}

export function optionalBoolean(body: Body, field: string): boolean | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== "boolean") throw invalid(field, `${field} must be true or false`);
  return value;
}

export function optionalEnum<T extends string>(body: Body, field: string, values: readonly T[]): T | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !values.includes(value as T)) {
    throw invalid(field, `${field} must be one of: ${values.join(", ")}`);
  }
  return value as T;
}

export function optionalStringList(body: Body, field: string, rule: StringRule & { maxItems?: number } = {}): string[] | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw invalid(field, `${field} must be a list of strings`);
  if (value.length > (rule.maxItems ?? 100)) throw invalid(field, `${field} may have at most ${rule.maxItems ?? 100} items`);
  return value.map((item, i) => optionalString({ [`${field}[${i}]`]: item }, `${field}[${i}]`, { min: 1, ...rule })!);
}

/** Tags are key-value metadata: `{"team": "finance"}`. */
export function optionalTags(body: Body, field = "tags"): Record<string, string> | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalid(field, `${field} must be an object of key-value strings, like {"team": "finance"}`);
  }
  const entries = Object.entries(value as Body);
  if (entries.length > 50) throw invalid(field, `${field} may have at most 50 entries`);
  const tags: Record<string, string> = {};
  for (const [key, v] of entries) {
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(key)) throw invalid(`${field}.${key}`, `${field}: the key "${key.slice(0, 80)}" must be 1-64 letters, digits, "_", "." or "-"`);
    if (typeof v !== "string" || v.length > 256) throw invalid(`${field}.${key}`, `${field}.${key} must be a string of at most 256 characters`);
    tags[key] = v;
  }
  return tags;
}

/**
 * The request body, refused with 413 as soon as it passes `maxBytes`: read chunk by chunk, so a
 * body without a Content-Length (chunked) is never held in memory whole before the check.
 */
export async function readBodyCapped(request: Request, maxBytes: number): Promise<Uint8Array> {
  if (Number(request.headers.get("content-length") ?? "0") > maxBytes) throw tooLarge(maxBytes);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const body = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return body;
}

/** Reads a JSON request body, refusing what is too large or not JSON. */
export async function readJsonBody(request: Request, maxBytes: number, whenEmpty: unknown = {}): Promise<unknown> {
  const buffer = await readBodyCapped(request, maxBytes);
  if (buffer.byteLength === 0) return whenEmpty;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(buffer);
  } catch {
    throw new AppError("BAD_REQUEST", "the request body is not valid UTF-8");
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new AppError("BAD_REQUEST", `the request body is not valid JSON: ${(e as Error).message}`);
  }
}

function tooLarge(maxBytes: number): AppError {
  return new AppError("PAYLOAD_TOO_LARGE", `the request body is larger than ${maxBytes} bytes`);
}

// ISO 8601 as RFC 3339 profiles it: a calendar date, or a date and time with seconds optional,
// a fraction optional and the zone required. `Date.parse` alone also takes "1", "March 5" and
// local times without a zone, each meaning whatever the runtime guesses.
const isoDatePattern = /^(\d{4})-(\d{2})-(\d{2})$/;
const isoDateTimePattern = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Midnight UTC of a day, or undefined when there is no such day (2026-02-30). */
function utcDay(year: number, month: number, day: number): Date | undefined {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day); // not Date.UTC, which reads years 0-99 as 19xx
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day ? date : undefined;
}

/**
 * An instant given as an ISO 8601 date (`2026-01-31`, midnight UTC) or date-time with a zone
 * (`2026-01-31T12:00:00Z`, `2026-01-31T14:00+02:00`), as a UTC ISO string; anything else is
 * refused, naming the field.
 */
export function isoTime(value: string, field: string): string {
  const refused = invalid(field, `${field} must be an ISO 8601 date or time, like 2026-01-31 or 2026-01-31T12:00:00Z`);
  const date = isoDatePattern.exec(value);
  if (date) {
    const day = utcDay(Number(date[1]), Number(date[2]), Number(date[3]));
    if (!day) throw refused;
    return day.toISOString();
  }
  const time = isoDateTimePattern.exec(value);
  const day = time && utcDay(Number(time[1]), Number(time[2]), Number(time[3]));
  if (!time || !day) throw refused;
  const [hours, minutes, seconds] = [Number(time[4]), Number(time[5]), Number(time[6] ?? 0)];
  const zone = time[8]!;
  const [offsetHours, offsetMinutes] = zone === "Z" ? [0, 0] : [Number(zone.slice(1, 3)), Number(zone.slice(-2))];
  if (hours > 23 || minutes > 59 || seconds > 59 || offsetHours > 23 || offsetMinutes > 59) throw refused;
  const offset = (zone.startsWith("-") ? -1 : 1) * (offsetHours * 60 + offsetMinutes);
  day.setUTCHours(hours, minutes - offset, seconds, Number((time[7] ?? "").padEnd(3, "0").slice(0, 3)));
  return day.toISOString();
}
