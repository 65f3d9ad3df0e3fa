// Parses standard 5-field cron expressions: minute hour day-of-month month day-of-week, with
// `*`, lists, ranges, steps, month and weekday names, and the usual @-shortcuts.

export interface CronFields {
  minutes: number[];
  hours: number[];
  daysOfMonth: number[];
  months: number[];
  /** 0 = Sunday; 7 is folded into 0. */
  daysOfWeek: number[];
  /** Standard cron: when both day fields are restricted, a day matching either one runs. */
  domRestricted: boolean;
  dowRestricted: boolean;
}

/** A cron expression that cannot be parsed; the message names the field. */
export class CronError extends Error {
  override readonly name = "CronError";
}

const monthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const dayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

const shortcuts: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: string[];
  namesFrom?: number;
}

const specs: FieldSpec[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day-of-month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12, names: monthNames, namesFrom: 1 },
  { name: "day-of-week", min: 0, max: 7, names: dayNames, namesFrom: 0 },
];

function value(text: string, spec: FieldSpec): number {
  const upper = text.toUpperCase();
  const named = spec.names?.indexOf(upper) ?? -1;
  if (named >= 0) return named + spec.namesFrom!;
  if (!/^\d+$/.test(text)) throw new CronError(`${spec.name} field: "${text}" is not a number${spec.names ? " or a name like " + spec.names[0] : ""}`);
  const n = Number(text);
  if (n < spec.min || n > spec.max) throw new CronError(`${spec.name} field: ${n} is out of range ${spec.min}-${spec.max}`);
  return n;
}

function field(text: string, spec: FieldSpec): number[] {
  const out = new Set<number>();
  for (const part of text.split(",")) {
    if (part === "") throw new CronError(`${spec.name} field: empty list item in "${text}"`);
    const [range, stepText, extra] = part.split("/");
    if (extra !== undefined) throw new CronError(`${spec.name} field: "${part}" has more than one "/"`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1) throw new CronError(`${spec.name} field: step "${stepText}" must be a whole number from 1`);
      step = Number(stepText);
    }
    let from: number;
    let to: number;
    if (range === "*") {
      from = spec.min;
      to = spec.max;
    } else if (range!.includes("-")) {
      const [a, b, more] = range!.split("-");
      if (more !== undefined || !a || !b) throw new CronError(`${spec.name} field: "${range}" is not a range like 1-5`);
      from = value(a, spec);
      to = value(b, spec);
      if (from > to) throw new CronError(`${spec.name} field: range ${range} runs backwards`);
    } else {
      from = value(range!, spec);
      // "5/15" means from 5 to the end, every 15, as in most crons.
      to = stepText !== undefined ? spec.max : from;
    }
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return [...out].sort((a, b) => a - b);
}

export function parseCron(expression: string): CronFields {
  const trimmed = expression.trim();
  const expanded = shortcuts[trimmed.toLowerCase()] ?? trimmed;
  const parts = expanded.split(/\s+/);
  if (parts.length !== 5) {
    throw new CronError(`cron must have 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}: "${expression}"`);
  }
  const [minutes, hours, daysOfMonth, months, daysOfWeekRaw] = parts.map((p, i) => field(p, specs[i]!));
  const daysOfWeek = [...new Set(daysOfWeekRaw!.map((d) => d % 7))].sort((a, b) => a - b);
  return {
    minutes: minutes!,
    hours: hours!,
    daysOfMonth: daysOfMonth!,
    months: months!,
    daysOfWeek,
    domRestricted: !parts[2]!.startsWith("*"),
    dowRestricted: !parts[4]!.startsWith("*"),
  };
}
