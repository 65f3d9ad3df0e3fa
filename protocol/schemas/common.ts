// Building blocks the API's schemas share. Messages are predicates ("must be ..."): whoever
// reports a problem puts the field's name in front (see problems.ts), so the admin can show the
// same words beside its own input.
import * as z from "zod";

/**
 * An object that refuses fields it does not know, naming them: a typo must not be silently
 * ignored. The message lists the fields it takes.
 */
export function closed<Shape extends z.ZodRawShape>(shape: Shape) {
  const known = Object.keys(shape).join(", ");
  return z.strictObject(shape, {
    error: (issue) => (issue.code === "unrecognized_keys" ? `expected one of: ${known}` : undefined),
  });
}

/** A whole number in a range, with one message for every way to miss it. */
export function wholeNumber(min: number, max: number, message = `must be a whole number from ${min} to ${max}`) {
  return z.int({ error: message }).min(min, { error: message }).max(max, { error: message });
}

/** Text of bounded length; `min` 1 refuses the empty string. */
export function text(max: number, min = 0) {
  return z.string().min(min).max(max);
}

/** Text matching a pattern, with a message saying what it should look like. */
export function patterned(max: number, pattern: RegExp, hint: string) {
  return z.string().min(1).max(max).regex(pattern, { error: hint });
}

/** A list of at most `max` items. */
export function list<Item extends z.ZodType>(item: Item, max: number) {
  return z.array(item).max(max, { error: `may have at most ${max} items` });
}

/** Ids are opaque to clients: a prefix and random characters (`scr_...`, `exe_...`). */
export const id = (prefix: string) =>
  z
    .string()
    .min(1)
    .max(200)
    .meta({ example: `${prefix}_01jq3v2k7c9x8m` });

/** An instant as the API writes it: UTC ISO 8601 with milliseconds. */
export const instant = z.string().meta({ format: "date-time", example: "2026-11-24T09:30:00.000Z" });

/** `{items: [...]}`, how every list answers. */
export const itemsOf = <Item extends z.ZodType>(item: Item) => z.object({ items: z.array(item) });

/** The UTF-8 size of a string, the unit the API's caps are stated in. */
export const utf8Size = (value: string) => new TextEncoder().encode(value).byteLength;
