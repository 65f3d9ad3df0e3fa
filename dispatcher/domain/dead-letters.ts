// Dead letters: event deliveries that failed every attempt, kept for inspection and replay. A
// replay is a fresh delivery someone asked for, so the tenant's budgets apply to it like to a run;
// it may carry an edited payload (a publisher's mistake fixed by hand), under the same event.
import { and, desc, eq, sql, type SQL } from "drizzle-orm";
import type * as z from "zod";
import type { Database } from "../../db/open-remote.ts";
import { deadLetters, events, executions, scripts } from "../../db/schema.ts";
import type { DeadLetter, DeadLetterReplay } from "../../protocol/api.ts";
import { AppError, notFound } from "../../protocol/errors.ts";
import { utf8Bytes } from "../../protocol/run.ts";
import type { replayRequest } from "../../protocol/schemas/executions.ts";
import { admittedStatus, type Admission } from "./admission.ts";
import type { GroupCommit } from "./group-commit.ts";
import { authorOf, requirePermission, type Principal } from "./principal.ts";
import { encodeInput, type Background, type RunService } from "./runs.ts";

/** A list carries payloads up to this size; a larger one is read from the dead letter itself. */
const listedPayloadBytes = 64 * 1024;

/** What a delivery is given: the event as its subscribers see it. */
interface DeliveryInput {
  id?: string;
  type?: string;
  payload?: unknown;
  occurredAt?: string;
}

function readDelivery(input: string | null): DeliveryInput {
  try {
    const parsed: unknown = JSON.parse(input ?? "null");
    return parsed && typeof parsed === "object" ? (parsed as DeliveryInput) : {};
  } catch {
    return {};
  }
}

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

  /** The newest 500, each with its event as its last attempt had it (payloads over 64 KB left out). */
  async list(principal: Principal): Promise<DeadLetter[]> {
    requirePermission(principal, "executions.read");
    return this.#select(eq(deadLetters.tenantId, principal.tenant.id), listedPayloadBytes);
  }

  async get(principal: Principal, id: string): Promise<DeadLetter> {
    requirePermission(principal, "executions.read");
    const [letter] = await this.#select(and(eq(deadLetters.id, id), eq(deadLetters.tenantId, principal.tenant.id))!, Number.MAX_SAFE_INTEGER);
    if (!letter) throw notFound("dead letter");
    return letter;
  }

  // The event comes from the last attempt's input, the delivery's own copy: after an edited
  // replay failed too, that is the payload it failed with, not the one first published.
  async #select(where: SQL, maxPayloadBytes: number): Promise<DeadLetter[]> {
    const bytes = sql<number>`coalesce(${executions.inputBytes}, octet_length(${executions.input}), 0)`;
    const rows = await this.#db
      .select({
        d: deadLetters,
        scriptName: scripts.name,
        type: events.type,
        occurredAt: events.occurredAt,
        input: sql<string | null>`CASE WHEN ${bytes} <= ${maxPayloadBytes} THEN ${executions.input} END`,
        // Measured where it is, for a payload too big to list.
        omittedBytes: sql<number | null>`CASE WHEN ${bytes} > ${maxPayloadBytes} THEN octet_length(${executions.input} -> '$.payload') END`,
      })
      .from(deadLetters)
      .leftJoin(scripts, eq(scripts.id, deadLetters.scriptId))
      .leftJoin(executions, eq(executions.id, deadLetters.executionId))
      .leftJoin(events, and(eq(events.tenantId, deadLetters.tenantId), eq(events.id, deadLetters.eventId)))
      .where(where)
      .orderBy(desc(deadLetters.createdAt))
      .limit(500);
    return rows.map((r) => {
      const event = readDelivery(r.input);
      const payload = event.payload ?? null;
      return {
        ...r.d,
        scriptName: r.scriptName,
        eventType: r.type,
        payload,
        payloadBytes: r.omittedBytes === null ? utf8Bytes(JSON.stringify(payload)) : Number(r.omittedBytes),
        occurredAt: r.occurredAt,
      };
    });
  }

  /**
   * Delivers a dead-lettered event again, as a fresh delivery with its own retries: as its last
   * attempt had it, or with `payload` instead (checked like a published event's).
   */
  async replay(principal: Principal, id: string, body: z.output<typeof replayRequest>, background: Background): Promise<DeadLetterReplay> {
    requirePermission(principal, "scripts.execute");
    const edited = "payload" in body;
    // Checked before anything is read: a bad payload is the caller's to fix whatever the letter.
    const payload = edited ? encodeInput(body.payload, "payload") : undefined;
    const [row] = await this.#db
      .select({ d: deadLetters, script: scripts, last: executions })
      .from(deadLetters)
      .innerJoin(scripts, eq(scripts.id, deadLetters.scriptId))
      .innerJoin(executions, eq(executions.id, deadLetters.executionId))
      .where(and(eq(deadLetters.id, id), eq(deadLetters.tenantId, principal.tenant.id)));
    if (!row) throw notFound("dead letter");
    const { script } = row;
    if (script.deletedAt) throw new AppError("CONFLICT", "the script of this dead letter was deleted");
    const last = row.last.input ?? "null";
    const input = payload === undefined ? last : JSON.stringify({ ...readDelivery(last), payload: JSON.parse(payload) as unknown });
    const delivery = {
      tenantId: row.d.tenantId,
      scriptId: script.id,
      version: script.currentVersion,
      trigger: "event" as const,
      input,
      createdBy: authorOf(principal),
      eventId: row.d.eventId,
      timeoutMs: script.timeoutMs,
    };
    const { id: executionId, statement } = this.#admission.admitOrQueueStatement(delivery, "skip");
    const [admitted] = await this.#writes.run([
      statement,
      // Marked replayed only when the delivery was admitted (changes() counts the insert above).
      {
        sql: "UPDATE dead_letters SET replayed_at = ?1, replay_execution_id = ?2 WHERE id = ?3 AND changes() = 1",
        params: [new Date().toISOString(), executionId, id],
      },
    ]);
    if (admitted!.length === 0) throw await this.#admission.refusal(principal.tenant, "this replay", utf8Bytes(input));
    const status = admittedStatus(admitted!);
    if (status === "running") {
      background(
        this.#runs.startClaimed(
          {
            id: executionId,
            tenantId: delivery.tenantId,
            scriptId: script.id,
            version: script.currentVersion,
            trigger: "event",
            input,
            attempt: 1,
            timeoutMs: script.timeoutMs,
          },
          background,
        ),
      );
    }
    return { id, executionId, status, edited };
  }
}
