// Facts about an execution learnt after it ended, added to its logs so its record tells the
// whole story: today, that work it left running (waitUntil) kept its runner busy and was stopped.
import { sql } from "drizzle-orm";
import type { Database } from "../../db/open-remote.ts";

export async function noteLeftoverWork(db: Database, tenantId: string, executionId: string): Promise<void> {
  const message =
    "[platform] after this execution returned, work it left running (e.g. handed to waitUntil) kept its runner busy with no execution running; " +
    "the runner was stopped, and this tenant's scripts run at lower CPU priority for a while. Await your work before returning.";
  // Only on an execution of the tenant the runner belonged to, after its last line.
  await db.run(sql`INSERT INTO execution_logs (execution_id, seq, level, message, at)
    SELECT ${executionId}, (SELECT coalesce(max(seq), -1) + 1 FROM execution_logs WHERE execution_id = ${executionId}), 'warn', ${message}, ${new Date().toISOString()}
    WHERE EXISTS (SELECT 1 FROM executions WHERE id = ${executionId} AND tenant_id = ${tenantId})`);
}
