// Schedules: a cron expression in an IANA zone that runs at least once, and how the API shows
// the runs to come. The rules themselves are protocol/cron's (croner); these say them as schemas.
import * as z from "zod";
import { CronError, isKnownZone, parseCron, upcoming } from "../cron/index.ts";
import { parseOrThrow } from "./problems.ts";

/** A 5-field cron expression (lists, ranges, steps, names) or a macro like `@daily`. */
export const cronExpression = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required for a scheduled script (5 fields, like "0 2 * * *")' : undefined) })
  .min(1)
  .max(200)
  .superRefine((cron, ctx) => {
    try {
      parseCron(cron);
    } catch (e) {
      if (!(e instanceof CronError)) throw e;
      ctx.addIssue({ code: "custom", message: e.message, input: cron });
    }
  })
  .meta({ description: "5 fields (minute hour day-of-month month day-of-week) or a macro like `@daily`.", example: "0 2 * * *" });

/**
 * A zone as Intl names it: `europe/berlin` is stored `Europe/Berlin`, `Etc/UTC` is `UTC`, so one
 * zone has one spelling wherever it is shown or compared.
 */
export function canonicalZone(zone: string): string {
  try {
    return new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone;
  } catch {
    return zone; // not a zone: the check before this one says so
  }
}

export const timeZone = z
  .string()
  .min(1)
  .max(64)
  .refine(isKnownZone, { error: (issue) => `"${String(issue.input)}" is not a known IANA time zone (like "Europe/Berlin")` })
  .overwrite(canonicalZone)
  .meta({ description: "An IANA time zone, stored as Intl spells it (`europe/berlin` becomes `Europe/Berlin`); UTC when left out.", example: "Europe/Berlin" });

/** A schedule must run at least once in the next eight years: "0 0 31 2 *" never does. */
export function mustRun(config: { cron: string; timezone?: string | undefined }, ctx: z.RefinementCtx): void {
  let runs: unknown[];
  try {
    runs = upcoming(config.cron, config.timezone ?? "UTC", Date.now(), 1);
  } catch {
    return; // the fields' own checks said what is wrong
  }
  if (runs.length === 0)
    ctx.addIssue({ code: "custom", path: ["cron"], message: `"${config.cron}" never runs (like the 31st of February)`, input: config.cron });
}

/** `GET /admin/api/schedule/preview?cron=&timezone=`: the runs an unsaved schedule would make. */
export const schedulePreviewQuery = z
  .object({ cron: cronExpression.meta({ example: "*/30 9-10 * * MON" }), timezone: timeZone.optional() })
  .superRefine(mustRun);

/** The same checks for a cron and zone held outside a request. */
export function checkTimeZone(zone: string, field = "timezone"): void {
  parseOrThrow(z.object({ [field]: timeZone }), { [field]: zone });
}
export function checkCron(cron: string, zone: string): void {
  parseOrThrow(schedulePreviewQuery, { cron, timezone: zone });
}

/** A run of a schedule, in its zone. */
export const upcomingRun = z.object({
  at: z.string().meta({ description: "ISO 8601 with the zone's offset.", example: "2026-03-29T02:00:00+02:00" }),
  dstChange: z.boolean().meta({ description: "A DST change lies between this run and the one before (or now)." }),
});

export const scheduleAnswer = z.object({ cron: z.string(), timezone: z.string(), enabled: z.boolean(), next: z.array(upcomingRun) }).meta({ id: "Schedule" });
export const schedulePreview = z.object({ next: z.array(upcomingRun) }).meta({ id: "SchedulePreview" });
