// Dead letters: event deliveries that failed every attempt, kept for inspection and replay. A
// replay is a fresh delivery someone asked for, so the tenant's budgets apply to it like to a run.
import { and, desc, eq } from "drizzle-orm";
import type { Database } from "../../db/open-remote.ts";
import { deadLetters, events, executions, scripts } from "../../db/schema.ts";
import { AppError, notFound } from "../../protocol/errors.ts";
import { utf8Bytes } from "../../protocol/run.ts";
import { admittedStatus, type Admission } from "./admission.ts";
import type { GroupCommit } from "./group-commit.ts";
import { authorOf, requirePermission, type Principal } from "./principal.ts";
import type { Background, RunService } from "./runs.ts";

export class DeadLetterService {
  readonly #db: Database;
  readonly #admission: Admission;
  readonly #writes: GroupCommit;
  readonly #runs: RunService;

  constructor(db: Database, admission: Admission, writes: GroupCommit, runs: RunService) {
    this.#db = db;
    this.#admission = admission;
    this.#writes = writes;
    this.#runs = runs;
  }

  async list(principal: Principal) {
    requirePermission(principal, "executions.read");
    return this.#db
      .select({ d: deadLetters, scriptName: scripts.name, type: events.type })
      .from(deadLetters)
      .leftJoin(scripts, eq(scripts.id, deadLetters.scriptId))
      .leftJoin(events, and(eq(events.tenantId, deadLetters.tenantId), eq(events.id, deadLetters.eventId)))
      .where(eq(deadLetters.tenantId, principal.tenant.id))
      .orderBy(desc(deadLetters.createdAt))
      .limit(500)
      .then((rows) => rows.map((r) => ({ ...r.d, scriptName: r.scriptName, eventType: r.type })));
  }

  /** Delivers a dead-lettered event again, as a fresh delivery with its own retries. */
  async replay(principal: Principal, id: string, background: Background) {
    requirePermission(principal, "scripts.execute");
    const [row] = await this.#db
      .select({ d: deadLetters, script: scripts, last: executions })
      .from(deadLetters)
      .innerJoin(scripts, eq(scripts.id, deadLetters.scriptId))
      .innerJoin(executions, eq(executions.id, deadLetters.executionId))
      .where(and(eq(deadLetters.id, id), eq(deadLetters.tenantId, principal.tenant.id)));
    if (!row) throw notFound("dead letter");
    const { script } = row;
    if (script.deletedAt) throw new AppError("CONFLICT", "the script of this dead letter was deleted");
    const input = row.last.input ?? "null";
    const delivery = { tenantId: row.d.tenantId, scriptId: script.id, version: script.currentVersion, trigger: "event" as const, input, createdBy: authorOf(principal), eventId: row.d.eventId, timeoutMs: script.timeoutMs };
    const { id: executionId, statement } = this.#admission.admitOrQueueStatement(delivery, "skip");
    const [admitted] = await this.#writes.run([
      statement,
      // Marked replayed only when the delivery was admitted (changes() counts the insert above).
      { sql: "UPDATE dead_letters SET replayed_at = ?1, replay_execution_id = ?2 WHERE id = ?3 AND changes() = 1", params: [new Date().toISOString(), executionId, id] },
    ]);
    if (admitted!.length === 0) throw await this.#admission.refusal(principal.tenant, "this replay", utf8Bytes(input));
    if (admittedStatus(admitted!) === "running") {
      background(this.#runs.startClaimed({ id: executionId, tenantId: delivery.tenantId, scriptId: script.id, version: script.currentVersion, trigger: "event", input, attempt: 1, timeoutMs: script.timeoutMs }, background));
    }
    return { id, executionId };
  }
}
