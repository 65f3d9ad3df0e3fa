// Per-tenant budgets on what a tenant can make the platform store: executions waiting in the
// queue (how many, and their input bytes) and execution history recorded per UTC day. One
// tenant filling the queue or the disk must not cost the others either. The decisions are SQL
// fragments of the admission statements (so two hosts cannot both pass a budget); this module
// says what they are and turns a refusal into an answer the user can act on.
import type { TenantBudgets, TenantUsage } from "../../protocol/api.ts";
import { AppError } from "../../protocol/errors.ts";

const mb = 1024 * 1024;

/**
 * The platform's defaults, for tenants without their own. The queue budgets hold what one publish may
 * fan out into (5,000 deliveries, 64 MB) with room to spare in the count, so an idle tenant is
 * never refused a legal request; 64 MB bounds what a flood of async runs adds to the database
 * (it was 292 MB in 12 s). 256 MB of history a day holds a run every second all day at a 3 KB
 * record, and bounds a tenant's history at 7.5 GB over the default 30-day retention.
 */
export const defaultBudgets: TenantBudgets = { maxQueued: 10_000, maxQueuedBytes: 64 * mb, maxHistoryBytesPerDay: 256 * mb };

/** How long a 429 for a full queue asks a caller to wait: the queue drains as runs finish. */
const queueRetryAfterSeconds = 5;

/** Why an execution was not admitted, as the admission statement names it in `status`. */
export type Refusal = "queue" | "queue_bytes" | "history";
export const refusedStatus = (r: Refusal) => `refused:${r}` as const;

/** The UTC day (YYYY-MM-DD) history is counted against. */
export function utcDay(now = Date.now()): string {
  return new Date(now).toISOString().slice(0, 10);
}

export function secondsToNextUtcDay(now = Date.now()): number {
  const dayMs = 86_400_000;
  return Math.max(1, Math.ceil((dayMs - (now % dayMs)) / 1000));
}

// The fragments below take the SQL expressions (parameters or columns) they compare, so each
// statement keeps its own parameter numbering.

/** Tenant `tenant` has recorded its history budget on `day` (`fallback`: the default budget). */
export const historyFull = (tenant: string, day: string, fallback: string) =>
  `(coalesce((SELECT bytes FROM history_days WHERE tenant_id = ${tenant} AND day = ${day}), 0)
    >= coalesce((SELECT max_history_bytes_per_day FROM tenants WHERE id = ${tenant}), ${fallback}))`;

/**
 * `CASE` arms refusing one more waiting execution of `inputBytes` past the queue budgets. What
 * waits is read from the index alone, and only when an arm is reached (a run that starts at
 * once reads nothing), but still in proportion to the queue: a caller adding many at once
 * checks the last one only (see EventService).
 */
export const queueFullArms = (tenant: string, inputBytes: string, fallbackCount: string, fallbackBytes: string) =>
  `WHEN (SELECT count(*) FROM executions WHERE tenant_id = ${tenant} AND status = 'queued')
      >= coalesce((SELECT max_queued FROM tenants WHERE id = ${tenant}), ${fallbackCount}) THEN '${refusedStatus("queue")}'
   WHEN (SELECT coalesce(sum(input_bytes), 0) FROM executions WHERE tenant_id = ${tenant} AND status = 'queued') + ${inputBytes}
      > coalesce((SELECT max_queued_bytes FROM tenants WHERE id = ${tenant}), ${fallbackBytes}) THEN '${refusedStatus("queue_bytes")}'`;

/** The refusal a database error names (the statement aborted by a budget's trigger), if any. */
export function refusalOf(error: unknown): Refusal | undefined {
  for (let e = error as { message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    const match = /\b(QUEUE_BUDGET_EXCEEDED|QUEUE_BYTES_EXCEEDED|HISTORY_BUDGET_EXCEEDED)\b/.exec(String(e.message ?? ""));
    if (match)
      return ({ QUEUE_BUDGET_EXCEEDED: "queue", QUEUE_BYTES_EXCEEDED: "queue_bytes", HISTORY_BUDGET_EXCEEDED: "history" } as const)[
        match[1] as "QUEUE_BUDGET_EXCEEDED"
      ];
  }
  return undefined;
}

/** Which budget a run of `inputBytes` would pass now, from the tenant's usage (after a refusal). */
export function refusalFrom(usage: TenantUsage, inputBytes: number): Refusal {
  if (usage.historyBytesToday >= usage.budgets.maxHistoryBytesPerDay) return "history";
  if (usage.queued < usage.budgets.maxQueued && usage.queuedBytes + inputBytes > usage.budgets.maxQueuedBytes) return "queue_bytes";
  // Also when the queue drained since: it was full when this run asked.
  return "queue";
}

export function megabytes(bytes: number): string {
  return `${(bytes / mb).toFixed(bytes < 10 * mb ? 1 : 0)} MB`;
}

/**
 * The answer to a refused run or publish: which budget, its value, where the tenant stands, and
 * how to go on. `what` names what was refused ("this run", "these events (12 deliveries)").
 */
export function budgetError(refusal: Refusal, tenantSlug: string, usage: TenantUsage, what: string, now = Date.now()): AppError {
  const raise = (field: keyof TenantBudgets, value: string) => `a platform admin can raise it (PATCH /admin/api/tenants/${tenantSlug} {"${field}": ${value}})`;
  const b = usage.budgets;
  if (refusal === "history") {
    const wait = secondsToNextUtcDay(now);
    return new AppError(
      "HISTORY_BUDGET_EXCEEDED",
      `tenant ${tenantSlug} has recorded ${megabytes(usage.historyBytesToday)} of execution history today (UTC), its daily budget maxHistoryBytesPerDay is ${megabytes(b.maxHistoryBytesPerDay)}: ${what} was not started. New runs start again at 00:00 UTC (in ${Math.ceil(wait / 60)} min; events still arrive and wait), or ${raise("maxHistoryBytesPerDay", "<bytes>")}`,
      { details: { retryAfterSeconds: wait, historyBytesToday: usage.historyBytesToday, maxHistoryBytesPerDay: b.maxHistoryBytesPerDay } },
    );
  }
  if (refusal === "queue_bytes") {
    return new AppError(
      "QUEUE_BYTES_EXCEEDED",
      `tenant ${tenantSlug} has ${megabytes(usage.queuedBytes)} of input waiting in its queue, and ${what} would pass its budget maxQueuedBytes of ${megabytes(b.maxQueuedBytes)}: nothing was stored. Send smaller inputs, wait for waiting runs to start, or ${raise("maxQueuedBytes", "<bytes>")}`,
      { details: { retryAfterSeconds: queueRetryAfterSeconds, queuedBytes: usage.queuedBytes, maxQueuedBytes: b.maxQueuedBytes } },
    );
  }
  return new AppError(
    "QUEUE_BUDGET_EXCEEDED",
    `tenant ${tenantSlug} has ${usage.queued} executions waiting in its queue, its budget maxQueued is ${b.maxQueued}: ${what} was not stored. Retry once some have started, or ${raise("maxQueued", "<count>")}`,
    { details: { retryAfterSeconds: queueRetryAfterSeconds, queued: usage.queued, maxQueued: b.maxQueued } },
  );
}
