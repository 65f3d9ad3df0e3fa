// Execution history: one row per run, written before the run starts and completed after, so a
// crash in between leaves a row the next start marks as interrupted.
import { and, asc, desc, eq, gte, isNotNull, sql, type SQL } from "drizzle-orm";
import type { Database, Statement } from "../../db/open-remote.ts";
import { executionLogs, executions, scripts, type Execution, type Trigger } from "../../db/schema.ts";
import type { ExecutionDetail, ExecutionStats, ExecutionSummary, Page } from "../../protocol/api.ts";
import { invalid, notFound } from "../../protocol/errors.ts";
import { defaultLostRunGraceMs, utf8Bytes, type RunResult } from "../../protocol/run.ts";
import { utcDay } from "./budgets.ts";
import type { Principal } from "./principal.ts";
import type * as z from "zod";
import type { executionFilters, statsQuery } from "../../protocol/schemas/executions.ts";

export interface NewExecution {
  tenantId: string;
  scriptId: string;
  version: number;
  trigger: Trigger;
  input: string;
  attempt?: number;
  createdBy?: string;
  rerunOf?: string;
  /** The script's timeout: the run's deadline once it starts. */
  timeoutMs: number;
}

/**
 * The writes that record an outcome. `record`'s last statement changes one row exactly when the
 * outcome was recorded (a claim of the freed slot may follow it, see `Admission.claimAfter`);
 * `logs` may go after that.
 */
export interface OutcomeWrites {
  record: Statement[];
  logs: Statement[];
}

/** About what a stored log line costs besides its message: level, time, keys. */
const logLineOverheadBytes = 48;

/** The bytes an outcome adds to its record, besides the input already stored. */
function outcomeBytes(result: RunResult, outbound: string | null): number {
  let bytes = utf8Bytes(result.output ?? "") + utf8Bytes(result.error?.message ?? "") + utf8Bytes(result.error?.stack ?? "");
  bytes += utf8Bytes(outbound ?? "") + utf8Bytes(result.progress?.message ?? "");
  for (const line of result.logs) bytes += utf8Bytes(line.message) + logLineOverheadBytes;
  return bytes;
}

/**
 * Counts an execution's record against its tenant's history budget for the day, only when the
 * statement before it recorded the outcome (changes() is its row count); this upsert then
 * changes one row too, which is what a claim after it looks at.
 */
function countedAfter(id: string, outcomeBytes: number): Statement {
  return {
    sql: `INSERT INTO history_days (tenant_id, day, bytes)
      SELECT tenant_id, ?1, ?2 + coalesce(input_bytes, octet_length(input), 0) FROM executions WHERE id = ?3 AND changes() = 1
      ON CONFLICT (tenant_id, day) DO UPDATE SET bytes = bytes + excluded.bytes`,
    params: [utcDay(), outcomeBytes, id],
  };
}

/** History filters as the schema passed them: times already UTC ISO, `limit` a number. */
export type ExecutionFilters = z.output<typeof executionFilters>;

/** A list item's `errorMessage` is the error's message cut to this many characters (`…` ending a cut one). */
export const summaryErrorChars = 300;

/** `message` as a list item shows it: the first `summaryErrorChars` characters (code points). */
export function cutErrorMessage(message: string | null): string | null {
  if (message === null || message.length <= summaryErrorChars) return message;
  const chars = Array.from(message);
  return chars.length <= summaryErrorChars ? message : `${chars.slice(0, summaryErrorChars - 1).join("")}…`;
}

// A summary's columns, in the order `toSummary` reads them. SQLite's substr counts characters,
// as `cutErrorMessage` does, so the list and the record cut a message alike.
const summarySql = sql.raw(`e.id, e.script_id, s.name, e.version, e.trigger, e.status, e.attempt, e.created_at, e.started_at, e.finished_at,
  e.duration_ms, e.error_code,
  CASE WHEN length(e.error_message) > ${summaryErrorChars} THEN substr(e.error_message, 1, ${summaryErrorChars - 1}) || '…' ELSE e.error_message END`);

type SummaryRow = [
  string,
  string,
  string | null,
  number,
  Trigger,
  Execution["status"],
  number,
  string,
  string | null,
  string | null,
  number | null,
  string | null,
  string | null,
];

function toSummary(r: SummaryRow): ExecutionSummary {
  const [id, scriptId, scriptName, version, trigger, status, attempt, createdAt, startedAt, finishedAt, durationMs, errorCode, errorMessage] = r;
  return { id, scriptId, scriptName, version, trigger, status, attempt, createdAt, startedAt, finishedAt, durationMs, errorCode, errorMessage };
}

/**
 * Which index answers a page: the filters' equalities choose it (db/schema.ts has one per
 * filter but trigger-beside-another), and the filter left over is written `+column = ?`, which
 * SQLite never uses to pick an index, so the planner cannot wander to a worse one. Beside a
 * trigger, a status other than `succeeded` is rare and leads; `succeeded` is most runs, so the
 * trigger leads and the status is checked on the index's trailing column.
 */
function leadingFilter(f: ExecutionFilters): "script+status" | "script" | "status" | "trigger" | "none" {
  if (f.scriptId && f.status) return "script+status";
  if (f.scriptId) return "script";
  if (f.status && !(f.trigger && f.status === "succeeded")) return "status";
  if (f.trigger) return "trigger";
  return "none";
}

function parseJson(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

// A cursor is the last row's (createdAt, id), opaque to clients.
function encodeCursor(row: { createdAt: string; id: string }): string {
  return btoa(JSON.stringify([row.createdAt, row.id])).replace(/=+$/, "");
}

function decodeCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const [createdAt, id] = JSON.parse(atob(cursor)) as [unknown, unknown];
    if (typeof createdAt === "string" && typeof id === "string") return { createdAt, id };
  } catch {
    // fall through
  }
  throw invalid("cursor", "cursor is not one this API gave out");
}

export class ExecutionService {
  readonly #db: Database;
  readonly #lostRunGraceMs: number;

  constructor(db: Database, options: { lostRunGraceMs?: number } = {}) {
    this.#db = db;
    this.#lostRunGraceMs = options.lostRunGraceMs ?? defaultLostRunGraceMs;
  }

  /**
   * Records the outcome and the log lines together (history never shows one without the
   * other), on a run still running, or on one the lost-run sweep closed as LOST meanwhile (the
   * database was out while it finished, see `RunService`): the sweep only guessed, the outcome is
   * what happened. A run closed otherwise (cancelled) stays closed. The record's bytes (input
   * included) count against its tenant's history budget for the day. Written again after a
   * write that may have landed (a timeout), it changes nothing: the row is no longer running,
   * and its log lines are already there.
   */
  finishStatements(id: string, result: RunResult): OutcomeWrites {
    const outbound = result.outbound && result.outbound.length > 0 ? JSON.stringify(result.outbound) : null;
    const update: Statement = {
      sql: `UPDATE executions SET status = ?, output = ?, error_code = ?, error_message = ?, error_stack = ?, started_at = ?, finished_at = ?,
        duration_ms = ?, outbound = ?, progress_percent = ?, progress_message = ?
        WHERE id = ? AND (status = 'running' OR (status = 'interrupted' AND error_code = 'LOST'))`,
      params: [
        result.status,
        result.output ?? null,
        result.error?.code ?? null,
        result.error?.message ?? null,
        result.error?.stack ?? null,
        result.startedAt,
        result.finishedAt,
        result.durationMs,
        outbound,
        result.progress?.percent ?? null,
        result.progress?.message ?? null,
        id,
      ],
    };
    const counted = countedAfter(id, outcomeBytes(result, outbound));
    const logs: Statement[] = [];
    // Chunks keep each statement's parameter count well under SQLite's limit.
    for (let first = 0; first < result.logs.length; first += 100) {
      const chunk = result.logs.slice(first, first + 100);
      logs.push({
        sql: `INSERT INTO execution_logs (execution_id, seq, level, message, at) VALUES ${chunk.map(() => "(?, ?, ?, ?, ?)").join(", ")}
          ON CONFLICT DO NOTHING`,
        params: chunk.flatMap((l, i) => [id, first + i, l.level, l.message, l.at]),
      });
    }
    return { record: [update, counted], logs };
  }

  /**
   * Closes an execution as cancelled by `message`'s author, if it is still `from` (queued, or
   * running with no runner left that knows it). Its record keeps what it has; a running one's
   * duration counts to now. Like an outcome, it counts against the day's history budget.
   */
  cancelStatements(id: string, from: "queued" | "running", message: string): OutcomeWrites {
    const now = new Date().toISOString();
    const update: Statement = {
      sql: `UPDATE executions SET status = 'cancelled', error_code = 'CANCELLED', error_message = ?1, finished_at = ?2,
          duration_ms = CASE WHEN started_at IS NULL THEN NULL ELSE CAST(round((julianday(?2) - julianday(started_at)) * 86400000) AS INTEGER) END
        WHERE id = ?3 AND status = ?4`,
      params: [message, now, id, from],
    };
    return { record: [update, countedAfter(id, utf8Bytes(message))], logs: [] };
  }

  /**
   * Closes as interrupted the runs nobody is left to finish: still "running" well past their
   * deadline (a runner kills a script 500 ms after it), because the dispatcher that awaited them
   * crashed or lost its host. Their quota slots free up, and failed event deliveries are retried.
   * Safe with several hosts on one database: no live run is ever this late. A run whose outcome
   * could not be written (the database was out when it finished) is closed so too, and its
   * outcome replaces this record when its write gets through (see `finishStatements`).
   */
  async closeLost(now = Date.now()): Promise<number> {
    const graceMs = this.#lostRunGraceMs;
    const [rows] = await this.#db.$batch([
      {
        sql: `UPDATE executions SET status = 'interrupted', finished_at = ?1, error_code = 'LOST',
            error_message = 'the run was lost (the platform restarted a part while it ran) and is counted as interrupted'
          WHERE id IN (
            SELECT e.id FROM executions e JOIN scripts s ON s.id = e.script_id
            WHERE e.status = 'running'
              AND e.started_at < strftime('%Y-%m-%dT%H:%M:%fZ', (?2 - coalesce(e.timeout_ms, s.timeout_ms) - ?3) / 1000.0, 'unixepoch')
            LIMIT 500)
          AND status = 'running'
          RETURNING id`,
        params: [new Date(now).toISOString(), now, graceMs],
      },
    ]);
    return rows!.length;
  }

  /**
   * A page of the tenant's history, newest first, by keyset: the cursor is the last row's
   * (created_at, id), and the next page is the index range below it, so a deep page costs what
   * the first does (no OFFSET, no count).
   */
  async list(principal: Principal, f: ExecutionFilters): Promise<Page<ExecutionSummary>> {
    const lead = leadingFilter(f);
    const where: SQL[] = [sql`e.tenant_id = ${principal.tenant.id}`];
    if (f.scriptId) where.push(sql`e.script_id = ${f.scriptId}`);
    if (f.status) where.push(lead === "status" || lead === "script+status" ? sql`e.status = ${f.status}` : sql`+e.status = ${f.status}`);
    if (f.trigger) where.push(lead === "trigger" ? sql`e.trigger = ${f.trigger}` : sql`+e.trigger = ${f.trigger}`);
    if (f.since) where.push(sql`e.created_at >= ${f.since}`);
    const c = f.cursor ? decodeCursor(f.cursor) : undefined;
    // Both are upper bounds and SQLite seeks by one only: keep the one that holds the other.
    if (c && (!f.until || c.createdAt <= f.until)) where.push(sql`(e.created_at, e.id) < (${c.createdAt}, ${c.id})`);
    else if (f.until) where.push(sql`e.created_at <= ${f.until}`);
    const limit = f.limit ?? 50;
    const rows = await this.#db.values<SummaryRow>(sql`SELECT ${summarySql} FROM executions e LEFT JOIN scripts s ON s.id = e.script_id
      WHERE ${sql.join(where, sql` AND `)} ORDER BY e.created_at DESC, e.id DESC LIMIT ${limit + 1}`);
    const more = rows.length > limit;
    const items = rows.slice(0, limit).map(toSummary);
    return { items, nextCursor: more ? encodeCursor(items[items.length - 1]!) : null };
  }

  /** Runs per day by status, and duration percentiles, for the admin's charts. */
  async stats(principal: Principal, q: z.output<typeof statsQuery>): Promise<ExecutionStats> {
    const days = q.days ?? 14;
    const since = new Date(Date.now() - (days - 1) * 86_400_000).toISOString().slice(0, 10);
    const where = [eq(executions.tenantId, principal.tenant.id), gte(executions.createdAt, since)];
    if (q.scriptId) where.push(eq(executions.scriptId, q.scriptId));
    const day = sql<string>`substr(${executions.createdAt}, 1, 10)`;
    const counts = await this.#db
      .select({ day, status: executions.status, n: sql<number>`count(*)` })
      .from(executions)
      .where(and(...where))
      .groupBy(day, executions.status);
    // Percentiles are computed here from the finished runs' durations, newest first and capped,
    // so a very busy tenant gets a sample rather than a slow answer.
    const durations = await this.#db
      .select({ day, ms: executions.durationMs })
      .from(executions)
      .where(and(...where, isNotNull(executions.durationMs)))
      .orderBy(desc(executions.createdAt))
      .limit(50_000);
    const result: ExecutionStats = { days: [] };
    for (let i = days - 1; i >= 0; i--) {
      const d = new Date(Date.now() - i * 86_400_000).toISOString().slice(0, 10);
      const sorted = durations
        .filter((r) => r.day === d)
        .map((r) => r.ms!)
        .sort((a, b) => a - b);
      const pick = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]! : null);
      const dayCounts: Record<string, number> = {};
      for (const c of counts) if (c.day === d) dayCounts[c.status] = Number(c.n);
      result.days.push({ day: d, counts: dayCounts, p50Ms: pick(0.5), p95Ms: pick(0.95) });
    }
    return result;
  }

  /** Where an execution stands, and which host runs it, without its record. */
  async whereIs(tenantId: string, id: string): Promise<{ status: Execution["status"]; hostId: string | null }> {
    const [row] = await this.#db
      .select({ status: executions.status, hostId: executions.hostId })
      .from(executions)
      .where(and(eq(executions.id, id), eq(executions.tenantId, tenantId)));
    if (!row) throw notFound("execution");
    return row;
  }

  async get(principal: Principal, id: string): Promise<ExecutionDetail> {
    return this.detail(principal.tenant.id, id);
  }

  async detail(tenantId: string, id: string): Promise<ExecutionDetail> {
    const [row] = await this.#db
      .select({ e: executions, scriptName: scripts.name })
      .from(executions)
      .leftJoin(scripts, eq(scripts.id, executions.scriptId))
      .where(and(eq(executions.id, id), eq(executions.tenantId, tenantId)));
    if (!row) throw notFound("execution");
    const logs = await this.#db
      .select({ level: executionLogs.level, message: executionLogs.message, at: executionLogs.at })
      .from(executionLogs)
      .where(eq(executionLogs.executionId, id))
      .orderBy(asc(executionLogs.seq));
    return toDetail(row.e, row.scriptName, logs);
  }
}

function toDetail(e: Execution, scriptName: string | null, logs: ExecutionDetail["logs"]): ExecutionDetail {
  return {
    id: e.id,
    scriptId: e.scriptId,
    scriptName,
    version: e.version,
    trigger: e.trigger,
    status: e.status,
    attempt: e.attempt,
    createdAt: e.createdAt,
    startedAt: e.startedAt,
    finishedAt: e.finishedAt,
    durationMs: e.durationMs,
    errorCode: e.errorCode,
    errorMessage: cutErrorMessage(e.errorMessage),
    input: parseJson(e.input),
    output: parseJson(e.output),
    error: e.errorMessage === null ? null : { code: e.errorCode, message: e.errorMessage, stack: e.errorStack },
    logs,
    progress: e.progressPercent === null ? null : { percent: e.progressPercent, message: e.progressMessage ?? "" },
    rerunOf: e.rerunOf,
    outbound: (parseJson(e.outbound) as ExecutionDetail["outbound"]) ?? [],
    createdBy: e.createdBy,
  };
}
