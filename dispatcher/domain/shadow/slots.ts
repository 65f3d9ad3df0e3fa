// A trial's place in its tenant's limits. Its runs take slots of the tenant's concurrency limit,
// held on its row and counted by admission beside running executions (so live runs and trials
// share the limit), and each run's record counts toward the tenant's history budget for the day.
// Deciding the slots and inserting the row is one statement, like an execution's admission.
import type { Statement } from "../../../db/open-remote.ts";
import { historyFull, utcDay } from "../budgets.ts";

const nowIso = `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;

/** SQL: the slots of tenant `tenant`'s concurrency limit its running trials hold now. */
export const shadowSlotsHeld = (tenant: string) =>
  `(SELECT coalesce(sum(slots), 0) FROM shadow_trials WHERE tenant_id = ${tenant} AND slots > 0 AND held_until > ${nowIso})`;

export interface TrialStart {
  id: string;
  tenantId: string;
  scriptId: string;
  codeHash: string;
  createdBy: string;
  createdAt: string;
  /** How many runs the trial has: it takes no more slots than that. */
  runs: number;
  /** The script's timeout: how long one wave of runs may hold its slots. */
  timeoutMs: number;
}

/** Time past each wave's timeout before held slots stop counting (a dispatcher that died). */
const holdMarginMs = 30_000;

/**
 * Records a trial holding as many slots as its tenant has free (up to one per run), or nothing
 * when none is free or the tenant has recorded its history budget today: then no row comes back.
 */
export function startStatement(t: TrialStart, tenantDefault: number, historyBudget: number): Statement {
  return {
    sql: `INSERT INTO shadow_trials (id, tenant_id, script_id, code_hash, created_by, created_at, slots, held_until)
      SELECT ?1, ?2, ?3, ?4, ?5, ?6, r.room, strftime('%Y-%m-%dT%H:%M:%fZ', (?7 + ((?8 + r.room - 1) / r.room) * ?9) / 1000.0, 'unixepoch')
      FROM (SELECT min(?8, coalesce((SELECT max_concurrency FROM tenants WHERE id = ?2), ?10)
          - (SELECT count(*) FROM executions WHERE tenant_id = ?2 AND status = 'running') - ${shadowSlotsHeld("?2")}) AS room) r
      WHERE r.room > 0 AND NOT ${historyFull("?2", "?11", "?12")}
      RETURNING slots`,
    params: [
      t.id,
      t.tenantId,
      t.scriptId,
      t.codeHash,
      t.createdBy,
      t.createdAt,
      Date.now(),
      t.runs,
      t.timeoutMs + holdMarginMs,
      tenantDefault,
      utcDay(),
      historyBudget,
    ],
  };
}

/** A trial with nothing to run: recorded finished, holding nothing. */
export function emptyStatement(t: TrialStart, result: string): Statement {
  return {
    sql: "INSERT INTO shadow_trials (id, tenant_id, script_id, code_hash, created_by, created_at, finished_at, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    params: [t.id, t.tenantId, t.scriptId, t.codeHash, t.createdBy, t.createdAt, new Date().toISOString(), result],
  };
}

/** One worker of the trial found nothing left to run: its slot goes back to the tenant. */
export const releaseOne = (trialId: string): Statement => ({ sql: "UPDATE shadow_trials SET slots = max(slots - 1, 0) WHERE id = ?", params: [trialId] });

export const finishStatement = (trialId: string, result: string): Statement => ({
  sql: "UPDATE shadow_trials SET slots = 0, finished_at = ?, result = ? WHERE id = ?",
  params: [new Date().toISOString(), result, trialId],
});

/** A trial that broke off: it holds nothing, and reads back as abandoned. */
export const abandonStatement = (trialId: string): Statement => ({
  sql: "UPDATE shadow_trials SET slots = 0, held_until = NULL WHERE id = ?",
  params: [trialId],
});

/** A shadow run's record counts toward its tenant's history bytes today, like an execution's. */
export const countHistory = (tenantId: string, bytes: number): Statement => ({
  sql: `INSERT INTO history_days (tenant_id, day, bytes) VALUES (?1, ?2, ?3)
    ON CONFLICT (tenant_id, day) DO UPDATE SET bytes = bytes + excluded.bytes`,
  params: [tenantId, utcDay(), bytes],
});
