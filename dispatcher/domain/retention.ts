// Retention: execution history, logs, dead letters and drafts' trials older than the tenant's
// retentionDays (30 by default) are deleted in small batches, so a sweep never holds the database
// for long, and so are expired sessions, sign-in failures and budget counters that no longer count.
// Versions are never deleted. The job is shared by every host: a compare-and-set on its row
// decides who sweeps.
import { and, eq, inArray, isNull, lt, or, sql } from "drizzle-orm";
import type { Database } from "../../db/open-remote.ts";
import { maintenance, sessions, signInFailures } from "../../db/schema.ts";
import { signInFailureWindowMs } from "./users.ts";

const batch = 500;
const job = "retention";

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

    const old = sql`SELECT e.id FROM executions e JOIN tenants t ON t.id = e.tenant_id
      WHERE e.created_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || t.retention_days || ' days')
        AND e.status NOT IN ('queued', 'running')
      LIMIT ${batch}`;
    const ids = (await this.#db.values<[string]>(old)).map((r) => r[0]);
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
    const next = ids.length === batch || signIns.full ? now : now + 24 * 3600_000;
    await this.#db
      .update(maintenance)
      .set({ nextAt: new Date(next).toISOString() })
      .where(eq(maintenance.job, job));
    return ids.length + signIns.deleted;
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
