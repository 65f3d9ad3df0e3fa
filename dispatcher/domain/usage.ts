// Usage per tenant: runs per day and month by status, duration totals and percentiles, and where
// each tenant stands now against its quota and budgets. Three queries per report, however many
// days or tenants: each seeks the executions by (tenant, created_at) or (tenant, status), and the
// percentiles are ranked in SQL rather than read out row by row.
import { sql, type SQL } from "drizzle-orm";
import type { Database } from "../../db/open-remote.ts";
import type { Tenant } from "../../db/schema.ts";
import type { TenantUsage } from "../../protocol/api.ts";
import type { ExecutionStatus } from "../../protocol/schemas/executions.ts";
import type * as z from "zod";
import type { TenantUsageReport, UsagePeriod, UsageReport, usageReportQuery } from "../../protocol/schemas/usage.ts";
import type { Admission } from "./admission.ts";
import { utcDay } from "./budgets.ts";
import { requirePlatformAdmin, type Principal } from "./principal.ts";
import type { TenantService } from "./tenants.ts";

const dayMs = 86_400_000;

/** Rank of the p-th percentile among n sorted values (1-based), as `stats` picks it. */
const rank = (p: number, n: string) => `min(${n}, CAST(${n} * ${p} AS INTEGER) + 1)`;

type CountRow = [string, string, ExecutionStatus, number, number];
type PercentileRow = ["day" | "month" | "total", string, string, number | null, number | null];
type NowRow = [string, number, number, number, number, number | null, number | null, number | null, number | null];

function emptyPeriod(period: string): UsagePeriod {
  return { period, runs: 0, counts: {}, durationMs: { sum: 0, p50: null, p95: null } };
}

export class UsageReports {
  readonly #db: Database;
  readonly #admission: Admission;
  readonly #tenants: TenantService;

  constructor(db: Database, admission: Admission, tenants: TenantService) {
    this.#db = db;
    this.#admission = admission;
    this.#tenants = tenants;
  }

  /** Any signed-in role reads its own tenant's; a platform admin another's (`tenant`) or all (`all`). */
  async report(principal: Principal, q: z.output<typeof usageReportQuery>): Promise<UsageReport> {
    const tenants = await this.#scope(principal, q);
    const days = q.days ?? 30;
    const now = Date.now();
    const dayList = Array.from({ length: days }, (_, i) => utcDay(now - (days - 1 - i) * dayMs));
    const since = dayList[0]!;
    const until = dayList.at(-1)!;
    if (tenants.length === 0) return { since, until, tenants: [] };
    // Reads, not one batch: a batch is a write transaction, and a report must not hold writers up.
    const [countsQuery, percentilesQuery, standingQuery] = this.#queries(q.all === "true" ? undefined : tenants.map((t) => t.id), since, until);
    const [counts, percentiles, standing] = await Promise.all([
      this.#db.values<CountRow>(countsQuery),
      this.#db.values<PercentileRow>(percentilesQuery),
      this.#db.values<NowRow>(standingQuery),
    ]);
    const reports = new Map(tenants.map((t) => [t.id, this.#blank(t, dayList, `${since}/${until}`)] as const));
    for (const [tenantId, day, status, n, sum] of counts) {
      const r = reports.get(tenantId);
      if (!r) continue;
      for (const period of [r.days.find((d) => d.period === day), r.months.find((m) => m.period === day.slice(0, 7)), r.total]) {
        if (!period) continue;
        period.runs += Number(n);
        period.counts[status] = (period.counts[status] ?? 0) + Number(n);
        period.durationMs.sum += Number(sum);
      }
    }
    for (const [kind, tenantId, key, p50, p95] of percentiles) {
      const r = reports.get(tenantId);
      const period = !r ? undefined : kind === "total" ? r.total : (kind === "day" ? r.days : r.months).find((p) => p.period === key);
      if (period) period.durationMs = { ...period.durationMs, p50: p50 === null ? null : Number(p50), p95: p95 === null ? null : Number(p95) };
    }
    for (const row of standing) {
      const r = reports.get(row[0]);
      if (r) r.now = this.#standing(row);
    }
    return { since, until, tenants: [...reports.values()] };
  }

  async #scope(principal: Principal, q: z.output<typeof usageReportQuery>): Promise<Tenant[]> {
    if (q.all === "true") {
      requirePlatformAdmin(principal);
      return this.#tenants.list(principal);
    }
    if (q.tenant !== undefined && q.tenant !== principal.tenant.slug) {
      requirePlatformAdmin(principal);
      return [await this.#tenants.bySlug(q.tenant, "tenant")];
    }
    const own = await this.#tenants.findById(principal.tenant.id);
    return own ? [own] : [];
  }

  #blank(t: Tenant, dayList: string[], range: string): TenantUsageReport {
    const months = [...new Set(dayList.map((d) => d.slice(0, 7)))];
    const d = this.#admission.caps;
    return {
      tenant: { id: t.id, slug: t.slug, name: t.name },
      days: dayList.map(emptyPeriod),
      months: months.map(emptyPeriod),
      total: emptyPeriod(range),
      now: { running: 0, queued: 0, limit: t.maxConcurrency ?? d.tenantDefault, queuedBytes: 0, historyBytesToday: 0, budgets: this.#tenants.budgetsOf(t) },
    };
  }

  #standing([, running, queued, queuedBytes, historyBytesToday, limit, maxQueued, maxQueuedBytes, maxHistory]: NowRow): TenantUsage {
    const d = this.#admission.caps;
    return {
      running: Number(running),
      queued: Number(queued),
      limit: Number(limit ?? d.tenantDefault),
      queuedBytes: Number(queuedBytes),
      historyBytesToday: Number(historyBytesToday),
      budgets: {
        maxQueued: Number(maxQueued ?? d.budgets.maxQueued),
        maxQueuedBytes: Number(maxQueuedBytes ?? d.budgets.maxQueuedBytes),
        maxHistoryBytesPerDay: Number(maxHistory ?? d.budgets.maxHistoryBytesPerDay),
      },
    };
  }

  /** `ids`: the tenants, or every tenant when undefined (read from the tenants table in SQL). */
  #queries(ids: string[] | undefined, since: string, until: string): [SQL, SQL, SQL] {
    const tenantIn =
      ids === undefined
        ? sql`(SELECT id FROM tenants)`
        : sql`(${sql.join(
            ids.map((id) => sql`${id}`),
            sql`, `,
          )})`;
    // created_at is ISO text: every instant of the range's days sorts between these two.
    const inRange = sql`tenant_id IN ${tenantIn} AND created_at >= ${since} AND created_at < ${`${until}T99`}`;
    const counts = sql`SELECT tenant_id, substr(created_at, 1, 10) AS day, status, count(*), coalesce(sum(duration_ms), 0)
      FROM executions WHERE ${inRange} GROUP BY tenant_id, day, status`;
    const pick = (p: number, n: string, count: string) => sql.raw(`max(CASE WHEN ${n} = ${rank(p, count)} THEN ms END)`);
    const percentiles = sql`WITH d AS (
        SELECT tenant_id, substr(created_at, 1, 10) AS day, duration_ms AS ms FROM executions WHERE ${inRange} AND duration_ms IS NOT NULL
      ), r AS (
        SELECT tenant_id, day, ms,
          row_number() OVER (PARTITION BY tenant_id, day ORDER BY ms) AS dn, count(*) OVER (PARTITION BY tenant_id, day) AS dc,
          row_number() OVER (PARTITION BY tenant_id, substr(day, 1, 7) ORDER BY ms) AS mn, count(*) OVER (PARTITION BY tenant_id, substr(day, 1, 7)) AS mc,
          row_number() OVER (PARTITION BY tenant_id ORDER BY ms) AS tn, count(*) OVER (PARTITION BY tenant_id) AS tc
        FROM d
      )
      SELECT 'day', tenant_id, day, ${pick(0.5, "dn", "dc")}, ${pick(0.95, "dn", "dc")} FROM r GROUP BY tenant_id, day
      UNION ALL
      SELECT 'month', tenant_id, substr(day, 1, 7), ${pick(0.5, "mn", "mc")}, ${pick(0.95, "mn", "mc")} FROM r GROUP BY tenant_id, substr(day, 1, 7)
      UNION ALL
      SELECT 'total', tenant_id, '', ${pick(0.5, "tn", "tc")}, ${pick(0.95, "tn", "tc")} FROM r GROUP BY tenant_id`;
    // Where each stands now, from the (tenant, status, input_bytes) index, as Admission.usage reads it.
    const standing = sql`SELECT t.id,
        (SELECT count(*) FROM executions WHERE tenant_id = t.id AND status = 'running'),
        (SELECT count(*) FROM executions WHERE tenant_id = t.id AND status = 'queued'),
        (SELECT coalesce(sum(input_bytes), 0) FROM executions WHERE tenant_id = t.id AND status = 'queued'),
        coalesce((SELECT bytes FROM history_days WHERE tenant_id = t.id AND day = ${utcDay()}), 0),
        t.max_concurrency, t.max_queued, t.max_queued_bytes, t.max_history_bytes_per_day
      FROM tenants t WHERE t.id IN ${tenantIn}`;
    return [counts, percentiles, standing];
  }
}
