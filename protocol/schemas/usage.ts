// What each tenant used: runs per day and month by status, their durations, and where it stands
// now against its concurrency quota and budgets. What a pricing tier would be built on.
import * as z from "zod";
import { id, wholeNumber } from "./common.ts";
import { executionStatus } from "./executions.ts";
import { tenantSlug, tenantUsage } from "./tenants.ts";

export const maxReportDays = 366;

/** `GET /admin/api/usage/report?days=&tenant=&all=`. */
export const usageReportQuery = z.object({
  days: z.coerce
    .number<string | number>()
    .pipe(wholeNumber(1, maxReportDays))
    .optional()
    .meta({ description: "Days back from today (UTC), today included; default 30." }),
  tenant: tenantSlug.optional().meta({ description: "Platform admins: this tenant's report instead of their own." }),
  all: z.enum(["true", "false"]).optional().meta({ description: "Platform admins: `true` for every tenant's report." }),
});

const durations = z
  .object({
    sum: z.int().meta({ description: "Milliseconds, all finished runs together." }),
    p50: z.int().nullable(),
    p95: z.int().nullable(),
  })
  .meta({ description: "Wall-clock durations of the runs that finished (no CPU time is measured per run)." });

/** One day (`2026-11-24`), one month (`2026-11`), or the whole range (`2026-10-26/2026-11-24`). */
export const usagePeriod = z
  .object({
    period: z.string().meta({ example: "2026-11-24" }),
    runs: z.int().meta({ description: "Executions created in the period, schedule slots skipped or missed included." }),
    counts: z.partialRecord(executionStatus, z.int()),
    durationMs: durations,
  })
  .meta({ id: "UsagePeriod" });

export const tenantUsageReport = z
  .object({
    tenant: z.object({ id: id("ten"), slug: z.string(), name: z.string() }),
    days: z.array(usagePeriod).meta({ description: "Every day of the range, oldest first (days without runs too)." }),
    months: z.array(usagePeriod).meta({ description: "Each calendar month (UTC) the range touches, counting only the range's days." }),
    total: usagePeriod,
    now: tenantUsage.meta({ description: "Running and queued against the concurrency quota, queued bytes and today's history against the budgets." }),
  })
  .meta({ id: "TenantUsageReport" });

export const usageReport = z
  .object({
    since: z.string().meta({ description: "The first day (UTC).", example: "2026-10-26" }),
    until: z.string().meta({ description: "The last day: today (UTC).", example: "2026-11-24" }),
    tenants: z.array(tenantUsageReport).meta({ description: "The caller's tenant, the one asked for, or every tenant by slug." }),
  })
  .meta({ id: "UsageReport" });

export type UsagePeriod = z.output<typeof usagePeriod>;
export type TenantUsageReport = z.output<typeof tenantUsageReport>;
export type UsageReport = z.output<typeof usageReport>;
