// Retention: execution history, logs, dead letters and drafts' trials older than the tenant's
// retentionDays (30 by default) are deleted in small batches, so a sweep never holds the database
// for long, and so are expired sessions, sign-in failures and budget counters that no longer count.
// Versions are never deleted. The job is shared by every host: a compare-and-set on its row
// decides who sweeps.
//
// History is the bulk (a busy platform expires a day of a million-row table at a time), and the
// database has one writer: every other tenant's reads and writes wait while a delete commits
// (locally the host runs each statement to its end before the next). So a transaction deletes
// `historyBatch` executions with their logs, a few milliseconds' hold, and one sweep step (one
// tick) runs at most `historyBatchesPerStep` of them and stops once `stepBudgetMs` have gone by:
// every query that arrived meanwhile goes between two batches. Measured at a million rows
// (npm run bench:history, on a loaded 2-core machine) this deleted about 130 executions a
// second and still moved a neighbour's p99 (+166%); 20 per batch and 3 per step were slower
// (32/s) and moved it more (+379%): the stall is not the batch's own size (see the report on
// issue 13: WAL checkpoints on the host's one connection are the suspect).
import { and, eq, inArray, isNull, lt, or, sql } from "drizzle-orm";
import type { Database } from "../../db/open-remote.ts";
import { maintenance, sessions, signInFailures } from "../../db/schema.ts";
import { signInFailureWindowMs } from "./users.ts";

const batch = 500;
const job = "retention";
/** Executions (with their logs) deleted per transaction. */
const historyBatch = 50;
/** Transactions of history one sweep step may run, back to back. */
const historyBatchesPerStep = 5;
/** ...and it stops before the next once this long has gone by since it began. */
const stepBudgetMs = 50;

/** Executions past their tenant's retention, tenant by tenant in the index's time order. */
function expiredExecutions(limit: number) {
  // CROSS JOIN keeps tenants the outer loop: each tenant is one range seek on
  // executions_tenant_created (tenant_id = ? AND created_at < its cutoff), never a scan of history.
  return sql`SELECT e.id FROM tenants t CROSS JOIN executions e
    WHERE e.tenant_id = t.id AND e.created_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || t.retention_days || ' days')
      AND e.status NOT IN ('queued', 'running')
    LIMIT ${limit}`;
}

export class RetentionService {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** One step of the daily sweep, if it is due; answers how many rows it deleted. */
  async sweep(now = Date.now()): Promise<number> {
    const [row] = await this.#db.select().from(maintenance).where(eq(maintenance.job, job));
    if (!row) {
      await this.#db
        .insert(maintenance)
        .values({ job, nextAt: new Date(now).toISOString() })
        .onConflictDoNothing();
      return 0;
    }
    if (Date.parse(row.nextAt) > now) return 0;
    // Claim this step; another host that read the same row gets nothing.
    const claimed = await this.#db
      .update(maintenance)
      .set({ nextAt: new Date(now + 60_000).toISOString() })
      .where(and(eq(maintenance.job, job), eq(maintenance.nextAt, row.nextAt)))
      .returning({ job: maintenance.job });
    if (claimed.length === 0) return 0;

    const history = await this.#sweepHistory();
    // Trials of drafts are kept like the history they were tried on (none still holding slots).
    await this.#db.run(sql`DELETE FROM shadow_trials WHERE id IN (SELECT s.id FROM shadow_trials s JOIN tenants t ON t.id = s.tenant_id
      WHERE s.created_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || t.retention_days || ' days')
        AND (s.slots = 0 OR s.held_until < strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) LIMIT ${batch})`);
    await this.#db.run(sql`DELETE FROM dead_letters WHERE id IN (SELECT d.id FROM dead_letters d JOIN tenants t ON t.id = d.tenant_id
      WHERE d.created_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || t.retention_days || ' days') LIMIT ${batch})`);
    await this.#db.run(sql`DELETE FROM alert_deliveries WHERE status != 'pending' AND created_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-30 days')`);
    // Only today's history counts against a budget; a week is kept for a look back.
    await this.#db.run(sql`DELETE FROM history_days WHERE day < date('now', '-7 days')`);
    await this.#db.run(sql`DELETE FROM runner_waits WHERE until < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 day')`);
    const signIns = await this.#sweepSignIns(now);
    // A full batch means more to do: continue on the next tick; else rest until tomorrow.
    const next = history.more || signIns.full ? now : now + 24 * 3600_000;
    await this.#db
      .update(maintenance)
      .set({ nextAt: new Date(next).toISOString() })
      .where(eq(maintenance.job, job));
    return history.deleted + signIns.deleted;
  }

  /**
   * Deletes expired executions with their logs, a short transaction at a time, until none are
   * left or the step's budget is spent; `more` says whether some may be left.
   */
  async #sweepHistory(): Promise<{ deleted: number; more: boolean }> {
    const started = Date.now();
    let deleted = 0;
    for (let n = 0; n < historyBatchesPerStep; n++) {
      if (n > 0 && Date.now() - started >= stepBudgetMs) break;
      const ids = (await this.#db.values<[string]>(expiredExecutions(historyBatch))).map((r) => r[0]);
      if (ids.length > 0) {
        const list = sql.join(
          ids.map((id) => sql`${id}`),
          sql`, `,
        );
        await this.#db.batch([
          this.#db.run(sql`DELETE FROM execution_logs WHERE execution_id IN (${list})`),
          this.#db.run(sql`DELETE FROM executions WHERE id IN (${list})`),
        ]);
      }
      deleted += ids.length;
      if (ids.length < historyBatch) return { deleted, more: false };
    }
    return { deleted, more: true };
  }

  /**
   * Sessions past their expiry, and failure counts whose window has passed and whose lock (if
   * any) has run out: neither can affect a sign-in again, and both would pile up forever.
   */
  async #sweepSignIns(now: number): Promise<{ deleted: number; full: boolean }> {
    const at = new Date(now).toISOString();
    const expired = this.#db.select({ idHash: sessions.idHash }).from(sessions).where(lt(sessions.expiresAt, at)).limit(batch);
    const endedSessions = await this.#db.delete(sessions).where(inArray(sessions.idHash, expired)).returning({ idHash: sessions.idHash });
    const stale = this.#db
      .select({ key: signInFailures.key })
      .from(signInFailures)
      .where(
        and(
          lt(signInFailures.windowStart, new Date(now - signInFailureWindowMs).toISOString()),
          or(isNull(signInFailures.lockedUntil), lt(signInFailures.lockedUntil, at)),
        ),
      )
      .limit(batch);
    const staleFailures = await this.#db.delete(signInFailures).where(inArray(signInFailures.key, stale)).returning({ key: signInFailures.key });
    return {
      deleted: endedSessions.length + staleFailures.length,
      full: endedSessions.length === batch || staleFailures.length === batch,
    };
  }
}
