// Reads a 5-field cron expression back in words, field by field, and finds the field at fault.
// Pure: no DOM, no server (the server's preview gives the actual next times).

export interface CronField {
  name: string;
  value: string;
  meaning: string;
  error?: string;
}

export interface CronExplanation {
  fields: CronField[];
  /** One sentence for the whole expression, when every field is valid. */
  summary?: string;
  error?: string;
}

const monthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const dayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

interface Spec {
  name: string;
  unit: string;
  min: number;
  max: number;
  names?: string[];
  /** How one value reads: "minute 5", "January". */
  one: (n: number) => string;
  /** How a range reads: "hours 9 through 17", "Monday through Friday". */
  range: (from: number, to: number) => string;
}

const numbered = (singular: string, plural: string) => ({
  one: (n: number) => `${singular} ${n}`,
  range: (a: number, b: number) => `${plural} ${a} through ${b}`,
});
const named = (names: string[]) => ({ one: (n: number) => names[n]!, range: (a: number, b: number) => `${names[a]} through ${names[b]}` });

const specs: Spec[] = [
  { name: "minute", unit: "minute", min: 0, max: 59, ...numbered("minute", "minutes") },
  { name: "hour", unit: "hour", min: 0, max: 23, ...numbered("hour", "hours") },
  { name: "day of month", unit: "day", min: 1, max: 31, ...numbered("day", "days") },
  { name: "month", unit: "month", min: 1, max: 12, names: monthNames.map((m) => m.slice(0, 3).toUpperCase()), ...named(["", ...monthNames]) },
  { name: "day of week", unit: "day of the week", min: 0, max: 7, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], ...named(dayNames) },
];

type Part = { kind: "all"; step: number } | { kind: "range"; from: number; to: number; step: number } | { kind: "one"; value: number };

function number(text: string, spec: Spec): number {
  const upper = text.toUpperCase();
  const named = spec.names?.indexOf(upper) ?? -1;
  if (named >= 0) return named + (spec.name === "month" ? 1 : 0);
  if (!/^\d+$/.test(text)) throw new Error(`"${text}" is not a number${spec.names ? " or a name like " + spec.names[1] : ""}`);
  const n = Number(text);
  if (n < spec.min || n > spec.max) throw new Error(`${n} is outside ${spec.min}–${spec.max}`);
  return n;
}

function parsePart(text: string, spec: Spec): Part {
  const [base, stepText, extra] = text.split("/");
  if (extra !== undefined || base === undefined || base === "") throw new Error(`"${text}" is not a valid ${spec.name} entry`);
  let step = 1;
  if (stepText !== undefined) {
    if (!/^\d+$/.test(stepText) || Number(stepText) < 1) throw new Error(`the step "/${stepText}" must be a whole number from 1`);
    step = Number(stepText);
  }
  if (base === "*") return { kind: "all", step };
  const [a, b, more] = base.split("-");
  if (more !== undefined) throw new Error(`"${base}" is not a valid range`);
  const from = number(a!, spec);
  if (b === undefined) return stepText === undefined ? { kind: "one", value: from } : { kind: "range", from, to: spec.max, step };
  const to = number(b, spec);
  if (to < from) throw new Error(`the range ${from}–${to} runs backwards`);
  return { kind: "range", from, to, step };
}

function describe(parts: Part[], spec: Spec): string {
  const every = (step: number) => (step === 1 ? `every ${spec.unit}` : `every ${step} ${spec.unit}s`);
  return parts
    .map((p) => {
      if (p.kind === "all") return every(p.step);
      if (p.kind === "one") return spec.one(p.value);
      const range = spec.range(p.from, p.to);
      return p.step === 1 ? range : `${every(p.step)}, ${range}`;
    })
    .join(", ");
}

const pad = (n: number) => String(n).padStart(2, "0");
const isAll = (parts: Part[]) => parts.length === 1 && parts[0]!.kind === "all" && parts[0]!.step === 1;
const single = (parts: Part[]) => (parts.length === 1 && parts[0]!.kind === "one" ? parts[0]!.value : undefined);

function timeOfDay(minute: Part[], hour: Part[]): string {
  const m = single(minute);
  const h = single(hour);
  if (m !== undefined && h !== undefined) return `At ${pad(h)}:${pad(m)}`;
  let text: string;
  if (minute.length === 1 && minute[0]!.kind === "all") text = minute[0]!.step === 1 ? "Every minute" : `Every ${minute[0]!.step} minutes`;
  else if (m !== undefined) text = `At minute ${m}`;
  else text = `At ${describe(minute, specs[0]!)}`;
  if (isAll(hour)) return m !== undefined ? `${text} of every hour` : text;
  if (h !== undefined) return `${text}, from ${pad(h)}:00 through ${pad(h)}:59`;
  const r = hour.length === 1 ? hour[0]! : undefined;
  if (r?.kind === "range" && r.step === 1) return `${text}, from ${pad(r.from)}:00 through ${pad(r.to)}:59`;
  if (r?.kind === "all") return `${text}, every ${r.step} hours`;
  return `${text}, in ${describe(hour, specs[1]!)}`;
}

function summarise(parsed: Part[][]): string {
  const [minute, hour, dom, month, dow] = parsed as [Part[], Part[], Part[], Part[], Part[]];
  const time = timeOfDay(minute, hour);
  const days: string[] = [];
  if (!isAll(dom)) days.push(`on ${describe(dom, specs[2]!)} of the month`);
  if (!isAll(dow)) days.push(`on ${describe(dow, specs[4]!).replace(/ through /g, " to ")}`);
  const daily = single(minute) !== undefined && single(hour) !== undefined;
  let when = days.length === 0 ? (daily ? ", every day" : "") : `${time.includes(",") ? "," : ""} ${days.join(" or ")}`;
  if (!isAll(month)) when += ` in ${describe(month, specs[3]!)}`;
  return `${time}${when}.`;
}

export function explainCron(expression: string): CronExplanation {
  const values = expression.trim().split(/\s+/).filter(Boolean);
  if (values.length !== 5) {
    return { fields: [], error: `A cron expression has 5 fields (minute hour day-of-month month day-of-week); this one has ${values.length}.` };
  }
  const parsed: Part[][] = [];
  const fields = values.map((value, i): CronField => {
    const spec = specs[i]!;
    try {
      const parts = value.split(",").map((p) => parsePart(p, spec));
      parsed.push(parts);
      return { name: spec.name, value, meaning: describe(parts, spec) };
    } catch (e) {
      return { name: spec.name, value, meaning: "", error: (e as Error).message };
    }
  });
  const bad = fields.find((f) => f.error);
  if (bad) return { fields, error: `${bad.name}: ${bad.error}` };
  return { fields, summary: summarise(parsed) };
}
