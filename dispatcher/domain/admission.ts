// Concurrency quotas. A tenant runs at most its limit of executions at once (default 10), and
// the platform at most its global cap. The decision and the insert are one SQL statement, so
// two requests racing for the last slot cannot both win, even from two hosts.
import { sql } from "drizzle-orm";
import type { Database, Statement } from "../../db/open-remote.ts";
import type { GroupCommit } from "./group-commit.ts";
import type { Execution } from "../../db/schema.ts";
import type { NewExecution } from "./executions.ts";
import { newId } from "./secrets.ts";

export interface Caps {
  tenantDefault: number;
  global: number;
}

/** A run recorded as running, to start; `timeoutMs` is the one it was given when claimed. */
export type Claimed = Pick<Execution, "id" | "tenantId" | "scriptId" | "version" | "trigger" | "attempt"> & { input: string; timeoutMs?: number };

type ClaimRow = [string, string, string, number, Execution["trigger"], string, number, number | null];

function toClaimed(rows: ClaimRow[]): Claimed | undefined {
  const [row] = rows;
  if (!row) return undefined;
  const [id, tenantId, scriptId, version, trigger, input, attempt, timeoutMs] = row;
  return { id, tenantId, scriptId, version: Number(version), trigger, input, attempt: Number(attempt), ...(timeoutMs === null ? {} : { timeoutMs: Number(timeoutMs) }) };
}

/**
 * Room for one more running execution of tenant ?2, where ?11 is the default tenant limit and
 * ?12 the global cap (the parameter numbers of the inserts below).
 */
const underCaps = `(SELECT count(*) FROM executions WHERE tenant_id = ?2 AND status = 'running')
    < coalesce((SELECT max_concurrency FROM tenants WHERE id = ?2), ?11)
  AND (SELECT count(*) FROM executions WHERE status = 'running') < ?12`;

/** Nothing of tenant ?2 waits already: a new run may not pass what is queued. */
const nothingWaiting = `NOT EXISTS (SELECT 1 FROM executions WHERE tenant_id = ?2 AND status = 'queued')`;

/** An execution that may wait for room: an async run or an event delivery. */
export type Waiting = NewExecution & { notBefore?: string; eventId?: string };

/** What an `admitOrQueueStatement` answered: whether its execution may start now. */
export function admittedStatus(rows: unknown[][]): "running" | "queued" {
  return rows[0]?.[1] === "running" ? "running" : "queued";
}

export interface Usage {
  running: number;
  queued: number;
  limit: number;
}

export class Admission {
  readonly #db: Database;
  readonly #caps: Caps;
  readonly #hostId: string | null;
  readonly #writes: GroupCommit;

  /**
   * `hostId`: whose runners run what this dispatcher starts (none on Cloudflare); `writes`: the
   * isolate's shared transactions, which admissions and outcomes go through.
   */
  constructor(db: Database, caps: Caps, writes: GroupCommit, hostId: string | null = null) {
    this.#db = db;
    this.#caps = caps;
    this.#writes = writes;
    this.#hostId = hostId;
  }

  get caps(): Caps {
    return this.#caps;
  }

  /**
   * Records an execution that must start now or not at all (sync runs, HTTP calls): running if
   * there is room, else nothing is stored and the caller answers 429.
   */
  async admitNow(e: NewExecution): Promise<string | undefined> {
    const id = newId("exe");
    const now = new Date().toISOString();
    const [rows] = await this.#writes.run([
      {
        sql: `INSERT INTO executions (id, tenant_id, script_id, version, trigger, status, input, attempt, created_by, rerun_of, created_at, started_at, host_id, timeout_ms)
          SELECT ?1, ?2, ?3, ?4, ?5, 'running', ?6, ?7, ?8, ?9, ?10, ?10, ?13, ?14
          WHERE ${underCaps}
          RETURNING id`,
        params: [id, e.tenantId, e.scriptId, e.version, e.trigger, e.input, e.attempt ?? 1, e.createdBy ?? null, e.rerunOf ?? null, now, this.#caps.tenantDefault, this.#caps.global, this.#hostId, e.timeoutMs],
      },
    ]);
    return rows![0]?.[0] as string | undefined;
  }

  /**
   * Records an execution that may wait (async runs, event deliveries): running if there is
   * room and nothing of the tenant's is already waiting, else queued behind what waits.
   */
  async admitOrQueue(e: Waiting): Promise<{ id: string; status: "running" | "queued" }> {
    const { id, statement } = this.admitOrQueueStatement(e);
    const [rows] = await this.#writes.run([statement]);
    return { id, status: admittedStatus(rows!) };
  }

  /** `admitOrQueue` as a statement, for a caller that records more in the same transaction. */
  admitOrQueueStatement(e: Waiting): { id: string; statement: Statement } {
    const id = newId("exe");
    const now = new Date().toISOString();
    return {
      id,
      statement: {
        sql: `INSERT INTO executions (id, tenant_id, script_id, version, trigger, status, input, attempt, created_by, rerun_of, created_at, started_at, not_before, event_id, host_id, timeout_ms)
          SELECT ?1, ?2, ?3, ?4, ?5, s.status, ?6, ?7, ?8, ?9, ?10, CASE WHEN s.status = 'running' THEN ?10 END, ?13, ?14, CASE WHEN s.status = 'running' THEN ?15 END, ?16
          FROM (SELECT CASE WHEN ${underCaps}
              AND ${nothingWaiting}
              AND ?13 IS NULL
            THEN 'running' ELSE 'queued' END AS status) s
          RETURNING id, status`,
        params: [
          id, e.tenantId, e.scriptId, e.version, e.trigger, e.input, e.attempt ?? 1, e.createdBy ?? null, e.rerunOf ?? null, now,
          this.#caps.tenantDefault, this.#caps.global, e.notBefore ?? null, e.eventId ?? null, this.#hostId, e.timeoutMs,
        ],
      },
    };
  }

  /**
   * Claims one schedule slot: the unique (script, slot) row is the claim, so a slot another host
   * claimed answers undefined. The slot is skipped, naming the run still going, when the
   * script's previous scheduled run has not finished; else it runs or waits like an async run.
   */
  async admitSlot(e: NewExecution & { scheduledFor: string }): Promise<(Claimed & { status: "running" | "queued" | "skipped" }) | undefined> {
    const id = newId("exe");
    const previous = `(SELECT id FROM executions WHERE script_id = ?3 AND trigger = 'scheduled' AND status IN ('running', 'queued') ORDER BY created_at LIMIT 1)`;
    const [rows] = await this.#writes.run([
      {
        sql: `INSERT INTO executions (id, tenant_id, script_id, version, trigger, status, input, attempt, created_at, host_id, timeout_ms, started_at, finished_at, scheduled_for, error_code, error_message)
          SELECT ?1, ?2, ?3, ?4, 'scheduled', s.status, ?5, ?10, ?6, CASE WHEN s.status = 'running' THEN ?7 END, ?8,
            CASE WHEN s.status = 'running' THEN ?6 END,
            CASE WHEN s.status = 'skipped' THEN ?6 END,
            ?9,
            CASE WHEN s.status = 'skipped' THEN 'OVERLAP' END,
            CASE WHEN s.status = 'skipped' THEN 'skipped: the previous run ' || s.previous || ' was still going' END
          FROM (SELECT ${previous} AS previous,
            CASE WHEN ${previous} IS NOT NULL THEN 'skipped' WHEN ${underCaps} AND ${nothingWaiting} THEN 'running' ELSE 'queued' END AS status) s
          WHERE true
          ON CONFLICT DO NOTHING
          RETURNING id, status`,
        params: [id, e.tenantId, e.scriptId, e.version, e.input, new Date().toISOString(), this.#hostId, e.timeoutMs, e.scheduledFor, 1, this.#caps.tenantDefault, this.#caps.global],
      },
    ]);
    const [row] = rows as [string, "running" | "queued" | "skipped"][];
    if (!row) return undefined;
    return { id: row[0], status: row[1], tenantId: e.tenantId, scriptId: e.scriptId, version: e.version, trigger: "scheduled", input: e.input, attempt: 1, timeoutMs: e.timeoutMs };
  }

  /** Moves the oldest waiting execution that has room to running, and returns it. */
  async claimNext(): Promise<Claimed | undefined> {
    const [rows] = await this.#writes.run([this.#claimStatement()]);
    return toClaimed(rows as ClaimRow[]);
  }

  /**
   * Runs `statements` (an execution's outcome) and claims the next waiting execution in the
   * same transaction: a finished run hands its slot on without another round trip.
   */
  async claimAfter(statements: Statement[]): Promise<Claimed | undefined> {
    const [outcome, ...rest] = statements;
    const results = await this.#writes.run([outcome!, this.#claimStatement(true), ...rest]);
    return toClaimed(results[1] as ClaimRow[]);
  }

  // Which tenants have room is decided once per claim, from the tenants with work waiting
  // (found by seeking the status-and-tenant index from one to the next), never per waiting
  // row: a tenant with thousands waiting at its limit must not make other claims slow. When no
  // tenant has room the queue is not read at all.
  // `onlyIfFreed`: right after an outcome's update, claim only if that update changed the row
  // (a run already closed as lost freed no slot when its late outcome arrives).
  #claimStatement(onlyIfFreed = false): Statement {
    return {
      sql: `WITH RECURSIVE waiting(tenant_id) AS (
          SELECT min(tenant_id) FROM executions WHERE status = 'queued'
          UNION ALL
          SELECT (SELECT min(tenant_id) FROM executions WHERE status = 'queued' AND tenant_id > waiting.tenant_id) FROM waiting WHERE waiting.tenant_id IS NOT NULL
        ),
        roomy(tenant_id) AS (
          SELECT w.tenant_id FROM waiting w
          WHERE w.tenant_id IS NOT NULL
            AND (SELECT count(*) FROM executions r WHERE r.status = 'running' AND r.tenant_id = w.tenant_id)
              < coalesce((SELECT max_concurrency FROM tenants t WHERE t.id = w.tenant_id), ?2)
        )
        UPDATE executions SET status = 'running', started_at = ?1, host_id = ?4,
          timeout_ms = (SELECT timeout_ms FROM scripts WHERE scripts.id = executions.script_id)
        WHERE ${onlyIfFreed ? "changes() = 1" : "1"} AND id = (
          SELECT e.id FROM executions e
          WHERE (SELECT count(*) FROM roomy) > 0
            AND (SELECT count(*) FROM executions WHERE status = 'running') < ?3
            AND e.status = 'queued' AND (e.not_before IS NULL OR e.not_before <= ?1)
            AND e.tenant_id IN (SELECT tenant_id FROM roomy)
          ORDER BY e.created_at, e.id LIMIT 1)
        AND status = 'queued'
        RETURNING id, tenant_id, script_id, version, trigger, input, attempt, timeout_ms`,
      params: [new Date().toISOString(), this.#caps.tenantDefault, this.#caps.global, this.#hostId],
    };
  }

  async usage(tenantId: string): Promise<Usage> {
    const [row] = await this.#db.values<[number, number, number]>(sql`
      SELECT
        (SELECT count(*) FROM executions WHERE tenant_id = ${tenantId} AND status = 'running') AS running,
        (SELECT count(*) FROM executions WHERE tenant_id = ${tenantId} AND status = 'queued') AS queued,
        coalesce((SELECT max_concurrency FROM tenants WHERE id = ${tenantId}), ${this.#caps.tenantDefault}) AS "limit"`);
    return { running: Number(row![0]), queued: Number(row![1]), limit: Number(row![2]) };
  }
}
