// Cron expressions as users write them: 5 fields (minute hour day-of-month month day-of-week)
// with lists, ranges, steps and month and weekday names, or a macro like @daily. croner parses
// them; what is ours is refusing what the product does not document (croner's L, W, #, ?, +),
// refusing a day no chosen month has, and saying which field is wrong in words a user can act on.
import { CronPattern } from "croner";

/** A cron expression that cannot be used; the message names the field when one is at fault. */
export class CronError extends Error {
  override readonly name = "CronError";
  /** The field at fault, as named in `cronFields`. */
  readonly field?: string;
  /** What is wrong, without the field's name. */
  readonly reason: string;

  constructor(reason: string, field?: string) {
    super(field ? `${field} field: ${reason}` : reason);
    this.reason = reason;
    if (field) this.field = field;
  }
}

const monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

export const cronFields = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: monthNames },
  { name: "day-of-week", min: 0, max: 7, names: dayNames },
] as const;

type FieldSpec = { name: string; min: number; max: number; names?: readonly string[] };

/** `sloppyRanges`: "5/15" (from 5 on, every 15) stays valid, as in most crons and in the parser croner replaced. */
export const patternOptions = { mode: "5-part", sloppyRanges: true } as const;

export interface ParsedCron {
  /** The five fields as written, or as an @-macro stands for. */
  fields: string[];
  minutes: number[];
  hours: number[];
  daysOfMonth: number[];
  months: number[];
  /** 0 = Sunday; 7 is folded into 0. */
  daysOfWeek: number[];
}

// Only numbers, names, `*`, lists, ranges and steps: croner would take more, and tell less.
function checkValues(text: string, spec: FieldSpec): void {
  for (const item of text.split(",")) {
    const [range = "", ...steps] = item.split("/");
    for (const value of [...range.split("-"), ...steps]) {
      if (value === "") throw new CronError(`"${text}" has an empty part`, spec.name);
    }
    for (const value of range.split("-")) {
      if (value === "*" || spec.names?.includes(value.toUpperCase())) continue;
      if (!/^\d+$/.test(value)) throw new CronError(`"${value}" is not a number${spec.names ? ` or a name like ${spec.names[1]}` : ""}`, spec.name);
      if (Number(value) < spec.min || Number(value) > spec.max) throw new CronError(`${value} is out of range ${spec.min}-${spec.max}`, spec.name);
    }
    for (const step of steps) if (!/^\d+$/.test(step)) throw new CronError(`step "${step}" is not a whole number`, spec.name);
  }
}

// croner's messages, in the words of the field they are about.
function reword(message: string, text: string): string {
  const backwards = /larger than to value: '(.+)'/.exec(message);
  if (backwards) return `range ${backwards[1]} runs backwards`;
  if (/stepping: 0/.test(message)) return `step in "${text}" must be at least 1`;
  const tooBig = /steps cannot be greater than .*\((\d+)\)/.exec(message);
  if (tooBig) return `step in "${text}" must be at most ${tooBig[1]}`;
  return `"${text}" is not valid: ${message.replace(/^CronPattern: (Syntax error, )?/, "")}`;
}

function pattern(fields: string[]): CronPattern {
  try {
    return new CronPattern(fields.join(" "), undefined, patternOptions);
  } catch (e) {
    // croner does not always say which field it stopped at: the one that fails on its own.
    const at = fields.findIndex((_, i) => {
      try {
        new CronPattern(fields.map((f, j) => (j === i ? f : "*")).join(" "), undefined, patternOptions);
        return false;
      } catch {
        return true;
      }
    });
    if (at < 0) throw new CronError((e as Error).message);
    throw new CronError(reword((e as Error).message, fields[at]!), cronFields[at]!.name);
  }
}

function fieldsOf(expression: string): string[] {
  const text = expression.trim();
  if (!text.startsWith("@")) return text.split(/\s+/).filter(Boolean);
  try {
    return new CronPattern(text, undefined, patternOptions).pattern.split(/\s+/);
  } catch {
    throw new CronError(`"${text}" is not a macro like @daily, @weekly or @hourly`);
  }
}

const on = (bits: number[], first = 0) => bits.flatMap((bit, i) => (bit ? [i + first] : []));
// February counts 29 days: a schedule on the 29th runs in leap years.
const longestMonths = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function parseCron(expression: string): ParsedCron {
  const fields = fieldsOf(expression);
  if (fields.length !== 5) {
    throw new CronError(`a cron expression has 5 fields (minute hour day-of-month month day-of-week); this one has ${fields.length}`);
  }
  for (const [i, text] of fields.entries()) checkValues(text, cronFields[i]!);
  const p = pattern(fields);
  const parsed = { fields, minutes: on(p.minute), hours: on(p.hour), daysOfMonth: on(p.day, 1), months: on(p.month, 1), daysOfWeek: on(p.dayOfWeek) };
  // croner takes "0 0 30 2 *" and then searches to the year 9999 for a run: refuse it at once.
  if (!p.starDOM && p.starDOW && !parsed.months.some((m) => parsed.daysOfMonth[0]! <= longestMonths[m - 1]!)) {
    throw new CronError(`day ${fields[2]} never comes in month ${fields[3]}, so this schedule never runs`, "day-of-month");
  }
  return parsed;
}
