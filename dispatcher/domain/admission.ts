// Concurrency quotas and budgets. A tenant runs at most its limit of executions at once
// (default 10), and the platform at most its global cap; what waits is bounded by the tenant's
// queue budgets, and nothing new starts once it has recorded its day's history budget. The
// decision and the insert are one SQL statement, so two requests racing for the last slot (or
// the last of a budget) cannot both win, even from two hosts.
import { sql } from "drizzle-orm";
import type { Database } from "../../db/open-remote.ts";
import type { GroupCommit, Statement } from "./group-commit.ts";
import type { Execution } from "../../db/schema.ts";
import type { TenantBudgets, TenantUsage } from "../../protocol/api.ts";
import type { AppError } from "../../protocol/errors.ts";
import { budgetError, historyFull, queueFullArms, refusalFrom, refusedStatus, utcDay, type Refusal } from "./budgets.ts";
import type { NewExecution, OutcomeWrites } from "./executions.ts";
import { newId } from "./secrets.ts";
import { shadowSlotsHeld } from "./shadow/slots.ts";

export interface Caps {
  tenantDefault: number;
  global: number;
  /** Budgets of tenants that have none of their own. */
  budgets: TenantBudgets;
}

/** A run recorded as running, to start; `timeoutMs` is the one it was given when claimed. */
export type Claimed = Pick<Execution, "id" | "tenantId" | "scriptId" | "version" | "trigger" | "attempt"> & { input: string; timeoutMs?: number };

type ClaimRow = [string, string, string, number, Execution["trigger"], string, number, number | null];

function toClaimed(rows: ClaimRow[]): Claimed | undefined {
  const [row] = rows;
  if (!row) return undefined;
  const [id, tenantId, scriptId, version, trigger, input, attempt, timeoutMs] = row;
  return {
    id,
    tenantId,
    scriptId,
    version: Number(version),
    trigger,
    input,
    attempt: Number(attempt),
    ...(timeoutMs === null ? {} : { timeoutMs: Number(timeoutMs) }),
  };
}

/**
 * The platform's cap on running executions, shared fairly: below it anyone may start; at it, a
 * tenant may still start while it runs less than an equal share of the cap among the tenants
 * running now. Otherwise a few tenants at their own limits would fill the cap and refuse
 * everyone else (five tenants at 10 fill the default 50), a shared budget one caller spends for
 * all. The total can pass the cap by at most one share.
 */
function globalRoom(tenant: string, cap: string): string {
  return `((SELECT count(*) FROM executions WHERE status = 'running') < ${cap}
    OR (SELECT count(*) FROM executions WHERE status = 'running' AND tenant_id = ${tenant})
      * (1 + (SELECT count(DISTINCT tenant_id) FROM executions WHERE status = 'running' AND tenant_id <> ${tenant})) < ${cap})`;
}

/**
 * Room for one more running execution of tenant ?2, where ?11 is the default tenant limit and
 * ?12 the global cap (the parameter numbers of the inserts below). A draft being tried holds
 * slots of the tenant's limit too, while its shadow runs run.
 */
const underCaps = `(SELECT count(*) FROM executions WHERE tenant_id = ?2 AND status = 'running') + ${shadowSlotsHeld("?2")}
    < coalesce((SELECT max_concurrency FROM tenants WHERE id = ?2), ?11)
  AND ${globalRoom("?2", "?12")}`;

/** Nothing of tenant ?2 waits already: a new run may not pass what is queued. */
const nothingWaiting = `NOT EXISTS (SELECT 1 FROM executions WHERE tenant_id = ?2 AND status = 'queued')`;

/**
 * An execution that may wait for room: an async run or an event delivery. `waitOutHistory`: past
 * the tenant's history budget it waits for the next day (events from the platform) rather than
 * being refused (runs someone asked for, who hears why).
 */
export type Waiting = NewExecution & { notBefore?: string; eventId?: string; waitOutHistory?: boolean };

/** One delivery of an event to a subscribed script, for `admitDeliveriesStatements`. */
export interface Delivery {
  scriptId: string;
  version: number;
  /** The event as the script gets it, JSON. */
  input: string;
  eventId: string;
  timeoutMs: number;
}

/** Deliveries per admission statement: 6 parameters each, well under SQLite's limit per statement. */
const deliveryChunk = 500;

/** What an `admitOrQueueStatement` answered: whether its execution may start now. */
export function admittedStatus(rows: unknown[][]): "running" | "queued" {
  return rows[0]?.[1] === "running" ? "running" : "queued";
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

  /** The host whose runners run what this dispatcher starts; null where there is none. */
  get hostId(): string | null {
    return this.#hostId;
  }

  /**
   * ?1-?12 of both admission inserts: the new row's fields, then the limits `underCaps` reads
   * (?2 the tenant, ?11 its default limit, ?12 the platform's cap).
   */
  #sharedParams(id: string, e: NewExecution, now: string): unknown[] {
    return [
      id,
      e.tenantId,
      e.scriptId,
      e.version,
      e.trigger,
      e.input,
      e.attempt ?? 1,
      e.createdBy ?? null,
      e.rerunOf ?? null,
      now,
      this.#caps.tenantDefault,
      this.#caps.global,
    ];
  }

  /**
   * Records an execution that must start now or not at all (sync runs, HTTP calls): running if
   * there is room and the tenant is within its history budget, else nothing is stored and the
   * caller answers 429.
   */
  async admitNow(e: NewExecution): Promise<string | undefined> {
    const id = newId("exe");
    const now = new Date().toISOString();
    const [rows] = await this.#writes.run([
      {
        sql: `INSERT INTO executions (id, tenant_id, script_id, version, trigger, status, input, input_bytes, attempt, created_by, rerun_of, created_at, started_at, host_id, timeout_ms)
          SELECT ?1, ?2, ?3, ?4, ?5, 'running', ?6, octet_length(?6), ?7, ?8, ?9, ?10, ?10, ?13, ?14
          WHERE ${underCaps} AND NOT ${historyFull("?2", "?15", "?16")}
          RETURNING id`,
        params: [...this.#sharedParams(id, e, now), this.#hostId, e.timeoutMs, utcDay(), this.#caps.budgets.maxHistoryBytesPerDay],
      },
    ]);
    return rows![0]?.[0] as string | undefined;
  }

  /**
   * Records an execution that may wait (async runs, event deliveries): running if there is
   * room and nothing of the tenant's is already waiting, else queued behind what waits, unless
   * a budget refuses it: then nothing is stored and the answer is undefined.
   */
  async admitOrQueue(e: Waiting): Promise<{ id: string; status: "running" | "queued" } | undefined> {
    const { id, statement } = this.admitOrQueueStatement(e, "skip");
    const [rows] = await this.#writes.run([statement]);
    return rows!.length === 0 ? undefined : { id, status: admittedStatus(rows!) };
  }

  /**
   * `admitOrQueue` as a statement, for a caller that records more in the same transaction.
   * `onRefusal`: "abort" fails the statement, and with it the transaction, naming the budget
   * (see `refusalOf`), so a publish is refused whole; "skip" stores nothing and answers no row,
   * leaving the shared transaction it may be part of to everyone else. `checkQueue: false`
   * leaves the queue budgets to a later statement of the same transaction: the queue only
   * grows within it, so the last one's check holds for all.
   */
  admitOrQueueStatement(e: Waiting, onRefusal: "abort" | "skip" = "abort", checkQueue = true): { id: string; statement: Statement } {
    const id = newId("exe");
    const now = new Date().toISOString();
    const full = historyFull("?2", "?17", "?18");
    return {
      id,
      statement: {
        sql: `INSERT INTO executions (id, tenant_id, script_id, version, trigger, status, input, input_bytes, attempt, created_by, rerun_of, created_at, started_at, not_before, event_id, host_id, timeout_ms)
          SELECT ?1, ?2, ?3, ?4, ?5, s.status, ?6, octet_length(?6), ?7, ?8, ?9, ?10, CASE WHEN s.status = 'running' THEN ?10 END, ?13, ?14, CASE WHEN s.status = 'running' THEN ?15 END, ?16
          FROM (SELECT CASE
              WHEN ?21 = 0 AND ${full} THEN 'refused:history'
              WHEN ${underCaps} AND ${nothingWaiting} AND ?13 IS NULL AND NOT ${full} THEN 'running'
              ${checkQueue ? queueFullArms("?2", "octet_length(?6)", "?19", "?20") : ""}
              ELSE 'queued' END AS status) s
          ${onRefusal === "skip" ? "WHERE s.status NOT LIKE 'refused:%'" : ""}
          RETURNING id, status`,
        params: [
          ...this.#sharedParams(id, e, now),
          e.notBefore ?? null,
          e.eventId ?? null,
          this.#hostId,
          e.timeoutMs,
          utcDay(),
          this.#caps.budgets.maxHistoryBytesPerDay,
          this.#caps.budgets.maxQueued,
          this.#caps.budgets.maxQueuedBytes,
          e.waitOutHistory ? 1 : 0,
        ],
      },
    };
  }

  /**
   * The deliveries of one publish (one tenant's events to its subscribed scripts) admitted in
   * as few statements as there are chunks of `deliveryChunk`, instead of one statement each,
   * with the decisions `admitOrQueueStatement` would make one after another in the same
   * transaction: what waits and who runs is read once per chunk, and its i-th row starts when
   * the tenant and the platform would still have room after the i - 1 before it started (both
   * limits only tighten row by row, so the rows that start are the first ones). Past the history
   * budget they all wait (events wait out the day). The queue budgets are checked as before, on
   * the last delivery only when it waits, counting every delivery of the publish queued before
   * it: a refusal aborts the transaction, and the publish with it. Each statement answers
   * `[id, status]` rows, in no particular order.
   */
  admitDeliveriesStatements(tenantId: string, createdBy: string | undefined, deliveries: Delivery[]): { ids: string[]; statements: Statement[] } {
    const now = new Date().toISOString();
    const ids = deliveries.map(() => newId("exe"));
    const statements: Statement[] = [];
    for (let first = 0; first < deliveries.length; first += deliveryChunk) {
      const chunk = deliveries.slice(first, first + deliveryChunk);
      const last = first + chunk.length === deliveries.length;
      const params: unknown[] = [
        tenantId,
        createdBy ?? null,
        now,
        this.#hostId,
        this.#caps.tenantDefault,
        this.#caps.global,
        utcDay(),
        this.#caps.budgets.maxHistoryBytesPerDay,
        this.#caps.budgets.maxQueued,
        this.#caps.budgets.maxQueuedBytes,
        chunk.length,
      ];
      const rows = chunk.map((d, i) => {
        const at = params.length + 1;
        params.push(ids[first + i], d.scriptId, d.version, d.input, d.eventId, d.timeoutMs);
        return `(${i + 1}, ?${at}, ?${at + 1}, ?${at + 2}, ?${at + 3}, ?${at + 4}, ?${at + 5})`;
      });
      const queueCheck = last
        ? `WHEN d.rn = ?11 AND (SELECT count(*) FROM executions WHERE tenant_id = ?1 AND status = 'queued') + (SELECT count(*) FROM d WHERE st = 'queued') - 1
              >= coalesce((SELECT max_queued FROM tenants WHERE id = ?1), ?9) THEN '${refusedStatus("queue")}'
            WHEN d.rn = ?11 AND (SELECT coalesce(sum(input_bytes), 0) FROM executions WHERE tenant_id = ?1 AND status = 'queued')
              + (SELECT coalesce(sum(octet_length(input)), 0) FROM d WHERE st = 'queued')
              > coalesce((SELECT max_queued_bytes FROM tenants WHERE id = ?1), ?10) THEN '${refusedStatus("queue_bytes")}'`
        : "";
      statements.push({
        sql: `WITH v(rn, id, script_id, version, input, event_id, timeout_ms) AS (VALUES ${rows.join(", ")}),
          c AS MATERIALIZED (SELECT
            (SELECT count(*) FROM executions WHERE tenant_id = ?1 AND status = 'running') AS mine,
            ${shadowSlotsHeld("?1")} AS shadow,
            coalesce((SELECT max_concurrency FROM tenants WHERE id = ?1), ?5) AS lim,
            (SELECT count(*) FROM executions WHERE status = 'running') AS everyone,
            (SELECT count(DISTINCT tenant_id) FROM executions WHERE status = 'running' AND tenant_id <> ?1) AS others,
            NOT EXISTS (SELECT 1 FROM executions WHERE tenant_id = ?1 AND status = 'queued') AND NOT ${historyFull("?1", "?7", "?8")} AS open),
          d AS MATERIALIZED (SELECT v.*, CASE WHEN c.open AND c.mine + v.rn - 1 + c.shadow < c.lim
              AND (c.everyone + v.rn - 1 < ?6 OR (c.mine + v.rn - 1) * (1 + c.others) < ?6) THEN 'running' ELSE 'queued' END AS st
            FROM v, c)
          INSERT INTO executions (id, tenant_id, script_id, version, trigger, status, input, input_bytes, attempt, created_by, created_at, started_at, event_id, host_id, timeout_ms)
          SELECT d.id, ?1, d.script_id, d.version, 'event',
            CASE WHEN d.st = 'running' THEN 'running' ${queueCheck} ELSE 'queued' END,
            d.input, octet_length(d.input), 1, ?2, ?3, CASE WHEN d.st = 'running' THEN ?3 END, d.event_id, CASE WHEN d.st = 'running' THEN ?4 END, d.timeout_ms
          FROM d ORDER BY d.rn
          RETURNING id, status`,
        params,
      });
    }
    return { ids, statements };
  }

  /**
   * Claims one schedule slot: the unique (script, slot) row is the claim, so a slot another host
   * claimed answers undefined. The slot is skipped, saying why, when the script's previous
   * scheduled run has not finished or a budget of the tenant is spent (a slot cannot wait for
   * tomorrow: it would run late and all at once); else it runs or waits like an async run.
   */
  async admitSlot(e: NewExecution & { scheduledFor: string }): Promise<(Claimed & { status: "running" | "queued" | "skipped" }) | undefined> {
    const id = newId("exe");
    const previous = `(SELECT id FROM executions WHERE script_id = ?3 AND trigger = 'scheduled' AND status IN ('running', 'queued') ORDER BY created_at LIMIT 1)`;
    const [rows] = await this.#writes.run([
      {
        sql: `INSERT INTO executions (id, tenant_id, script_id, version, trigger, status, input, input_bytes, attempt, created_at, host_id, timeout_ms, started_at, finished_at, scheduled_for, error_code, error_message)
          SELECT ?1, ?2, ?3, ?4, 'scheduled', s.status, ?5, octet_length(?5), ?10, ?6, CASE WHEN s.status = 'running' THEN ?7 END, ?8,
            CASE WHEN s.status = 'running' THEN ?6 END,
            CASE WHEN s.status = 'skipped' THEN ?6 END,
            ?9,
            CASE s.reason WHEN 'OVERLAP' THEN 'OVERLAP' WHEN 'refused:history' THEN 'HISTORY_BUDGET_EXCEEDED'
              WHEN 'refused:queue' THEN 'QUEUE_BUDGET_EXCEEDED' WHEN 'refused:queue_bytes' THEN 'QUEUE_BYTES_EXCEEDED' END,
            CASE s.reason WHEN 'OVERLAP' THEN 'skipped: the previous run ' || s.previous || ' was still going'
              WHEN 'refused:history' THEN 'skipped: the tenant has recorded its daily budget of execution history (maxHistoryBytesPerDay) today'
              WHEN 'refused:queue' THEN 'skipped: the tenant''s queue was at its budget (maxQueued)'
              WHEN 'refused:queue_bytes' THEN 'skipped: the input waiting in the tenant''s queue was at its budget (maxQueuedBytes)' END
          FROM (SELECT d.previous, d.reason, CASE WHEN d.reason IS NOT NULL THEN 'skipped' WHEN d.room THEN 'running' ELSE 'queued' END AS status
            FROM (SELECT x.previous, x.room, CASE
                WHEN x.previous IS NOT NULL THEN 'OVERLAP'
                WHEN ${historyFull("?2", "?13", "?14")} THEN 'refused:history'
                WHEN x.room THEN NULL
                ${queueFullArms("?2", "octet_length(?5)", "?15", "?16")}
              END AS reason
              FROM (SELECT ${previous} AS previous, (${underCaps} AND ${nothingWaiting}) AS room) x) d) s
          WHERE true
          ON CONFLICT DO NOTHING
          RETURNING id, status`,
        params: [
          id,
          e.tenantId,
          e.scriptId,
          e.version,
          e.input,
          new Date().toISOString(),
          this.#hostId,
          e.timeoutMs,
          e.scheduledFor,
          1,
          this.#caps.tenantDefault,
          this.#caps.global,
          utcDay(),
          this.#caps.budgets.maxHistoryBytesPerDay,
          this.#caps.budgets.maxQueued,
          this.#caps.budgets.maxQueuedBytes,
        ],
      },
    ]);
    const [row] = rows as [string, "running" | "queued" | "skipped"][];
    if (!row) return undefined;
    return {
      id: row[0],
      status: row[1],
      tenantId: e.tenantId,
      scriptId: e.scriptId,
      version: e.version,
      trigger: "scheduled",
      input: e.input,
      attempt: 1,
      timeoutMs: e.timeoutMs,
    };
  }

  /** Moves the oldest waiting execution that has room to running, and returns it. */
  async claimNext(): Promise<Claimed | undefined> {
    const [rows] = await this.#writes.run([this.#claimStatement()]);
    return toClaimed(rows as ClaimRow[]);
  }

  /**
   * Records an execution's outcome and claims the next waiting execution in the same
   * transaction: a finished run hands its slot on without another round trip. `ranFor`: the
   * tenant whose run just had a runner process, so its queue no longer waits for one.
   */
  async claimAfter(outcome: OutcomeWrites, ranFor?: string): Promise<Claimed | undefined> {
    // Outcomes written together claim together, and clear their tenants' waits together: one
    // statement each for all of them instead of one per outcome (see GroupCommit's merges).
    const cleared: Statement[] =
      ranFor === undefined
        ? []
        : [
            {
              sql: "DELETE FROM runner_waits WHERE tenant_id = ?1",
              params: [ranFor],
              merge: {
                key: "runner-waits",
                many: (all) => ({ sql: `DELETE FROM runner_waits WHERE tenant_id IN (${all.map(() => "?").join(", ")})`, params: all.map((s) => s.params[0]) }),
              },
            },
          ];
    const claim = { ...this.#claimStatement(true), merge: { key: "claim-after", many: (all: Statement[]) => this.#claimManyStatement(all.length) } };
    const results = await this.#writes.run([...outcome.record, claim, ...cleared, ...outcome.logs]);
    return toClaimed(results[outcome.record.length] as ClaimRow[]);
  }

  /**
   * Sends a run that found no runner process back to the queue, where it was (its creation time
   * keeps its place; its attempt does not count), and holds its tenant's queue: nothing of it is
   * claimed before `until`, and then one run at a time, the oldest, until one gets a process
   * (see `claimAfter`). So neither the tick nor finishing runs keep sending the tenant's queue
   * to be turned away. The slot it held goes to another tenant's waiting run, which is answered.
   */
  async requeueUntil(executionId: string, tenantId: string, until: string): Promise<Claimed | undefined> {
    const results = await this.#writes.run([
      {
        sql: "UPDATE executions SET status = 'queued', started_at = NULL, host_id = NULL, not_before = ?2 WHERE id = ?1 AND status = 'running'",
        params: [executionId, until],
      },
      {
        sql: `INSERT INTO runner_waits (tenant_id, until) SELECT ?1, ?2 WHERE changes() = 1
          ON CONFLICT (tenant_id) DO UPDATE SET until = excluded.until`,
        params: [tenantId, until],
      },
      this.#claimStatement(true),
    ]);
    return toClaimed(results[2] as ClaimRow[]);
  }

  // Which tenants have room is decided once per claim, from the tenants with work waiting
  // (found by seeking the status-and-tenant index from one to the next), never per waiting
  // row: a tenant with thousands waiting at its limit must not make other claims slow. When no
  // tenant has room the queue is not read at all.
  // Tenants past their history budget are not claimed for: their queue waits as it is. Nor are
  // tenants waiting for a runner process, until their wait is over, and then only while nothing
  // of theirs runs (one run finds out whether a process can be had).
  // `onlyIfFreed`: right after an outcome's writes, claim only if they changed the row. A late
  // outcome replacing a run the sweep closed as lost changes it too, and claims only where there
  // is room, as every claim does.
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
            AND (SELECT count(*) FROM executions r WHERE r.status = 'running' AND r.tenant_id = w.tenant_id) + ${shadowSlotsHeld("w.tenant_id")}
              < coalesce((SELECT max_concurrency FROM tenants t WHERE t.id = w.tenant_id), ?2)
            AND ${globalRoom("w.tenant_id", "?3")}
            AND NOT ${historyFull("w.tenant_id", "?5", "?6")}
            AND NOT EXISTS (SELECT 1 FROM runner_waits rw WHERE rw.tenant_id = w.tenant_id
              AND (rw.until > ?1 OR EXISTS (SELECT 1 FROM executions r WHERE r.status = 'running' AND r.tenant_id = w.tenant_id)))
        )
        UPDATE executions SET status = 'running', started_at = ?1, host_id = ?4,
          timeout_ms = (SELECT timeout_ms FROM scripts WHERE scripts.id = executions.script_id)
        WHERE ${onlyIfFreed ? "changes() = 1" : "1"} AND id = (
          SELECT e.id FROM executions e
          WHERE (SELECT count(*) FROM roomy) > 0
            AND e.status = 'queued' AND (e.not_before IS NULL OR e.not_before <= ?1)
            AND e.tenant_id IN (SELECT tenant_id FROM roomy)
          ORDER BY e.created_at, e.id LIMIT 1)
        AND status = 'queued'
        RETURNING id, tenant_id, script_id, version, trigger, input, attempt, timeout_ms`,
      params: [new Date().toISOString(), this.#caps.tenantDefault, this.#caps.global, this.#hostId, utcDay(), this.#caps.budgets.maxHistoryBytesPerDay],
    };
  }

  /**
   * Claims up to `count` waiting runs at once, for `count` outcomes written in one transaction
   * (each freed a slot, or none if its run was already closed). The runs are the oldest due
   * ones of the tenants with room, at most as many of a tenant's as it has room for (each
   * tenant's first ones found walking the queue's index, executions_queue): its own limit, and the platform's
   * fair share of the cap when these claims could reach the cap (each tenant then starts only
   * while it runs less than its equal share, as one claim at a time would allow). Room below
   * the cap that one claim at a time would give to anyone is left to the next outcome or the
   * tick's drain; so this never starts more than `claimNext` would.
   */
  #claimManyStatement(count: number): Statement {
    return {
      sql: `WITH RECURSIVE waiting(tenant_id) AS (
          SELECT min(tenant_id) FROM executions WHERE status = 'queued'
          UNION ALL
          SELECT (SELECT min(tenant_id) FROM executions WHERE status = 'queued' AND tenant_id > waiting.tenant_id) FROM waiting WHERE waiting.tenant_id IS NOT NULL
        ),
        everyone(n) AS MATERIALIZED (SELECT count(*) FROM executions WHERE status = 'running'),
        counted(tenant_id, mine, shadow, lim, others) AS MATERIALIZED (
          SELECT w.tenant_id,
            (SELECT count(*) FROM executions r WHERE r.status = 'running' AND r.tenant_id = w.tenant_id),
            ${shadowSlotsHeld("w.tenant_id")},
            coalesce((SELECT max_concurrency FROM tenants t WHERE t.id = w.tenant_id), ?2),
            (SELECT count(DISTINCT tenant_id) FROM executions WHERE status = 'running' AND tenant_id <> w.tenant_id)
          FROM waiting w
          WHERE w.tenant_id IS NOT NULL
            AND NOT ${historyFull("w.tenant_id", "?5", "?6")}
            AND NOT EXISTS (SELECT 1 FROM runner_waits rw WHERE rw.tenant_id = w.tenant_id
              AND (rw.until > ?1 OR EXISTS (SELECT 1 FROM executions r WHERE r.status = 'running' AND r.tenant_id = w.tenant_id)))
        ),
        roomy(tenant_id, room) AS MATERIALIZED (
          SELECT c.tenant_id, min(
              c.lim - c.mine - c.shadow,
              CASE WHEN (SELECT n FROM everyone) + ?7 <= ?3 THEN ?7
                ELSE (?3 - c.mine * (1 + c.others) + c.others) / (1 + c.others) END,
              CASE WHEN EXISTS (SELECT 1 FROM runner_waits rw WHERE rw.tenant_id = c.tenant_id) THEN 1 ELSE ?7 END)
          FROM counted c
        ),
        ahead(id, created_at, tenant_id, room) AS MATERIALIZED (
          SELECT e.id, e.created_at, e.tenant_id, r.room FROM roomy r JOIN executions e ON e.id IN (
            SELECT q.id FROM executions q
            WHERE q.status = 'queued' AND q.tenant_id = r.tenant_id AND (q.not_before IS NULL OR q.not_before <= ?1)
            ORDER BY q.created_at, q.id LIMIT ?7)
          WHERE r.room > 0
        ),
        picked(id) AS MATERIALIZED (
          SELECT p.id FROM (SELECT a.id, a.created_at, a.room, row_number() OVER (PARTITION BY a.tenant_id ORDER BY a.created_at, a.id) AS n FROM ahead a) p
          WHERE p.n <= p.room ORDER BY p.created_at, p.id LIMIT ?7
        )
        UPDATE executions SET status = 'running', started_at = ?1, host_id = ?4,
          timeout_ms = (SELECT timeout_ms FROM scripts WHERE scripts.id = executions.script_id)
        WHERE id IN (SELECT id FROM picked) AND status = 'queued'
        RETURNING id, tenant_id, script_id, version, trigger, input, attempt, timeout_ms`,
      params: [new Date().toISOString(), this.#caps.tenantDefault, this.#caps.global, this.#hostId, utcDay(), this.#caps.budgets.maxHistoryBytesPerDay, count],
    };
  }

  /** What a tenant runs, holds waiting and recorded today, against its limits. */
  async usage(tenantId: string): Promise<TenantUsage> {
    type Row = [number, number, number, number, number | null, number | null, number | null, number | null];
    const [row] = await this.#db.values<Row>(sql`
      SELECT
        (SELECT count(*) FROM executions WHERE tenant_id = ${tenantId} AND status = 'running') + (SELECT coalesce(sum(slots), 0) FROM shadow_trials
          WHERE tenant_id = ${tenantId} AND slots > 0 AND held_until > strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
        q.n, q.bytes,
        coalesce((SELECT bytes FROM history_days WHERE tenant_id = ${tenantId} AND day = ${utcDay()}), 0),
        t.max_concurrency, t.max_queued, t.max_queued_bytes, t.max_history_bytes_per_day
      FROM (SELECT count(*) AS n, coalesce(sum(input_bytes), 0) AS bytes FROM executions WHERE tenant_id = ${tenantId} AND status = 'queued') q
      LEFT JOIN tenants t ON t.id = ${tenantId}`);
    const [running, queued, queuedBytes, historyBytesToday, limit, maxQueued, maxQueuedBytes, maxHistoryBytesPerDay] = row!;
    const d = this.#caps.budgets;
    return {
      running: Number(running),
      queued: Number(queued),
      limit: Number(limit ?? this.#caps.tenantDefault),
      queuedBytes: Number(queuedBytes),
      historyBytesToday: Number(historyBytesToday),
      budgets: {
        maxQueued: Number(maxQueued ?? d.maxQueued),
        maxQueuedBytes: Number(maxQueuedBytes ?? d.maxQueuedBytes),
        maxHistoryBytesPerDay: Number(maxHistoryBytesPerDay ?? d.maxHistoryBytesPerDay),
      },
    };
  }

  /**
   * The answer to a run or publish a budget refused, naming the budget and where the tenant
   * stands. `known`: the refusal the database named; else it is read from the usage now.
   */
  async refusal(tenant: { id: string; slug: string }, what: string, inputBytes: number, known?: Refusal): Promise<AppError> {
    const usage = await this.usage(tenant.id);
    return budgetError(known ?? refusalFrom(usage, inputBytes), tenant.slug, usage, what);
  }
}
