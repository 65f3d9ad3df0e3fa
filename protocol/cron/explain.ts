// A cron expression in words, for the editor: one sentence for the whole, a reading of each field,
// and the field at fault. cronstrue writes the words; parseCron decides what is valid, so the
// editor refuses exactly what the server refuses, with the same messages.
import cronstrue from "cronstrue";
import { CronError, cronFields, parseCron } from "./parse.ts";

export interface CronField {
  name: string;
  value: string;
  meaning: string;
  error?: string;
}

export interface CronExplanation {
  fields: CronField[];
  /** One sentence for the whole expression, when it is valid. */
  summary?: string;
  error?: string;
}

const inWords = (cron: string) => cronstrue.toString(cron, { use24HourTimeFormat: true, throwExceptionOnParseError: true });

const everyValue = ["every minute", "every hour", "every day", "every month", "every day of the week"];

// cronstrue reads whole expressions, so a field is read with every other field at "*", and what
// cronstrue then says about the others is left out: "Every minute, " before an hour or a day, and
// for minute 0 the "Every hour" that "0 * * * *" reads as.
function meaning(index: number, value: string): string {
  if (value === "*") return everyValue[index]!;
  try {
    const words = inWords(cronFields.map((_, i) => (i === index ? value : "*")).join(" "));
    if (index > 0) return words.replace(/^Every minute, /, "");
    return words === "Every hour" ? "on the hour" : words.charAt(0).toLowerCase() + words.slice(1);
  } catch {
    return ""; // a field cronstrue cannot read either: parseCron says why
  }
}

export function explainCron(expression: string): CronExplanation {
  try {
    const { fields } = parseCron(expression);
    return {
      fields: fields.map((value, i) => ({ name: cronFields[i]!.name, value, meaning: meaning(i, value) })),
      summary: `${inWords(fields.join(" "))}.`,
    };
  } catch (e) {
    if (!(e instanceof CronError)) throw e;
    const values = expression.trim().split(/\s+/).filter(Boolean);
    const fields =
      values.length !== 5
        ? []
        : values.map((value, i): CronField => {
            const name = cronFields[i]!.name;
            return e.field === name ? { name, value, meaning: "", error: e.reason } : { name, value, meaning: meaning(i, value) };
          });
    return { fields, error: e.message };
  }
}
