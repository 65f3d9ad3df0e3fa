// Domain events: accepted durably before the answer, idempotent on the publisher's id, and
// delivered to every subscribed event script as its own execution. A failed delivery is
// retried with exponential backoff and jitter; after its last attempt it is dead-lettered.
// The database is the truth: a retry or a dead letter is recorded by a sweep that also runs
// after a crash, so no accepted event is ever dropped.
import { and, desc, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Database } from "../../db/open-remote.ts";
import { deadLetters, events, executions, scripts, type Script } from "../../db/schema.ts";
import { AppError, invalid, notFound } from "../../protocol/errors.ts";
import { admittedStatus, type Admission } from "./admission.ts";
import { isUniqueViolation } from "./db-errors.ts";
import type { AlertService } from "./alerts.ts";
import { authorOf, requirePermission, type Principal } from "./principal.ts";
import { encodeInput, type Background, type RunService } from "./runs.ts";
import { newId } from "./secrets.ts";
import type { ScriptDirectory } from "./script-directory.ts";
import type { TenantService } from "./tenants.ts";
import { TtlCache } from "./ttl-cache.ts";
import { onlyKnown, optionalString, requiredString, type Body } from "./validate.ts";

const typePattern = /^[a-z0-9_]+(\.[a-z0-9_]+)*$/;

/** Retry n (1-based) waits about 2 s, doubling, capped at 15 minutes, with ±20% jitter. */
export function backoffMs(retry: number, random = Math.random): number {
  const base = Math.min(2000 * 2 ** (retry - 1), 15 * 60_000);
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** JSON text with object keys sorted, so the same value compares equal however it was written. */
function canonicalJson(text: string): string {
  const sorted = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sorted) : v && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])])) : v;
  try {
    return JSON.stringify(sorted(JSON.parse(text)));
  } catch {
    return text;
  }
}

export function subscribes(patterns: string[], type: string): boolean {
  return patterns.some((p) => p === "*" || p === type || (p.endsWith(".*") && type.startsWith(p.slice(0, -1))));
}

/**
 * The longest chain of events published by deliveries of events: an event script publishing
 * what it (or a script it feeds) consumes would otherwise run until its tenant's quota stops it.
 */
export const maxEventDepth = 10;

export interface Accepted {
  id: string;
  type: string;
  duplicate: boolean;
  deliveries: number;
}

export class EventService {
  readonly #db: Database;
  readonly #runs: RunService;
  readonly #tenants: TenantService;

  readonly #alerts: AlertService;
  readonly #directory: ScriptDirectory;
  readonly #admission: Admission;
  // An execution's place in its chain never changes; a script publishing in a loop asks often.
  readonly #publisherDepths = new TtlCache<string, { depth: number; cause: string }>(60_000, 10_000);

  constructor(db: Database, runs: RunService, tenants: TenantService, alerts: AlertService, directory: ScriptDirectory, admission: Admission) {
    this.#db = db;
    this.#directory = directory;
    this.#admission = admission;
    this.#runs = runs;
    this.#tenants = tenants;
    this.#alerts = alerts;
  }

  async publish(principal: Principal, body: Body, background: Background): Promise<Accepted> {
    requirePermission(principal, "scripts.execute");
    onlyKnown(body, ["id", "type", "payload", "occurredAt", "tenant"]);
    const id = requiredString(body, "id", { max: 200 });
    const type = requiredString(body, "type", { max: 200, pattern: typePattern, patternHint: 'must be a dotted event type like "payment.processed"' });
    const occurredRaw = optionalString(body, "occurredAt", { max: 64 });
    const occurredAt = occurredRaw === undefined ? new Date().toISOString() : Date.parse(occurredRaw);
    if (typeof occurredAt === "number" && Number.isNaN(occurredAt)) throw invalid("occurredAt", "occurredAt must be an ISO 8601 time");
    const tenantSlug = optionalString(body, "tenant", { min: 1, max: 63 });
    let tenant = principal.tenant;
    if (tenantSlug !== undefined && tenantSlug !== tenant.slug) {
      if (!principal.platformAdmin) throw new AppError("FORBIDDEN", "only a platform admin may publish for another tenant");
      const row = await this.#tenants.bySlug(tenantSlug, "tenant");
      tenant = { id: row.id, slug: row.slug };
    }
    const occurred = typeof occurredAt === "number" ? new Date(occurredAt).toISOString() : occurredAt;
    const payload = encodeInput(body.payload ?? null, "payload");
    return this.accept(tenant, { id, type, payload, occurredAt: occurred }, authorOf(principal), background);
  }

  /** Stores the event and one queued delivery per subscriber in one transaction. */
  async accept(tenant: { id: string; slug: string }, e: { id: string; type: string; payload: string; occurredAt: string }, createdBy: string, background: Background, depth = 0): Promise<Accepted> {
    const subscribers = (await this.#directory.live(tenant.id, "event")).filter((s) => s.enabled && subscribes((s.config.events as string[]) ?? [], e.type));
    const input = JSON.stringify({ id: e.id, type: e.type, payload: JSON.parse(e.payload), occurredAt: e.occurredAt });
    // Each delivery starts at once when its tenant has room, else waits in the queue; either
    // way it is recorded in the same transaction as the event.
    const deliveries = subscribers.map((s) => ({
      script: s,
      ...this.#admission.admitOrQueueStatement({ tenantId: tenant.id, scriptId: s.id, version: s.currentVersion, trigger: "event", status: "queued", input, createdBy, eventId: e.id }),
    }));
    let results: unknown[][][];
    try {
      results = await this.#db.$batch([
        {
          sql: "INSERT INTO events (tenant_id, id, type, payload, occurred_at, received_at, deliveries, depth) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
          params: [tenant.id, e.id, e.type, e.payload, e.occurredAt, new Date().toISOString(), subscribers.length, depth],
        },
        ...deliveries.map((d) => d.statement),
      ]);
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      const [known] = await this.#db.select().from(events).where(and(eq(events.tenantId, tenant.id), eq(events.id, e.id)));
      // A retry of the same event is answered as accepted; a different event under a used id is
      // a publisher's bug that would otherwise lose that event without a word.
      if (known && (known.type !== e.type || canonicalJson(known.payload) !== canonicalJson(e.payload))) {
        throw new AppError("CONFLICT", `event id ${e.id} was already used for a different event (type ${known.type}, received ${known.receivedAt}); ids must be unique per event`, { field: "id" });
      }
      return { id: e.id, type: known?.type ?? e.type, duplicate: true, deliveries: known?.deliveries ?? 0 };
    }
    deliveries.forEach((d, i) => {
      if (admittedStatus(results[i + 1]!) !== "running") return;
      background(this.#runs.startClaimed({ id: d.id, tenantId: tenant.id, scriptId: d.script.id, version: d.script.currentVersion, trigger: "event", input, attempt: 1 }, background));
    });
    return { id: e.id, type: e.type, duplicate: false, deliveries: subscribers.length };
  }

  /**
   * The depth an event published by this execution gets: one more than the event it is a
   * delivery of, 0 when it was not started by an event. Refuses an event past `maxEventDepth`.
   */
  async depthForPublisher(tenantId: string, executionId: string): Promise<number> {
    const depth = await this.#publisherDepths.get(executionId, async () => {
      const [row] = await this.#db
        .select({ depth: events.depth, type: events.type })
        .from(executions)
        .innerJoin(events, and(eq(events.tenantId, executions.tenantId), eq(events.id, executions.eventId)))
        .where(and(eq(executions.id, executionId), eq(executions.tenantId, tenantId)));
      return row ? { depth: row.depth + 1, cause: row.type } : { depth: 0, cause: "" };
    });
    if (depth.depth > maxEventDepth) {
      throw new AppError(
        "EVENT_CHAIN_TOO_DEEP",
        `this run is a delivery of ${depth.cause}, the ${depth.depth}th event in a chain of events published by event scripts; the limit is ${maxEventDepth} (is a script publishing an event it consumes?)`,
      );
    }
    return depth.depth;
  }

  /**
   * For every finished, failed delivery not yet followed up: a retry after backoff, or a dead
   * letter after the last attempt. Each follow-up is unique per failed attempt, so running this
   * twice (two hosts, a crash in between) records it once.
   */
  async followUp(background: Background): Promise<number> {
    const failed = await this.#db
      .select({ e: executions, maxAttempts: sql<number>`coalesce(json_extract(${scripts.config}, '$.maxAttempts'), 5)` })
      .from(executions)
      .innerJoin(scripts, eq(scripts.id, executions.scriptId))
      .where(and(eq(executions.trigger, "event"), eq(executions.followedUp, false), inArray(executions.status, ["failed", "timed_out", "interrupted"])))
      .limit(200);
    let retried = 0;
    for (const { e, maxAttempts } of failed) {
      const done = this.#db.update(executions).set({ followedUp: true }).where(eq(executions.id, e.id));
      if (e.attempt < Number(maxAttempts)) {
        const notBefore = new Date(Date.now() + backoffMs(e.attempt)).toISOString();
        await this.#db.batch([
          this.#db
            .insert(executions)
            .values({ id: newId("exe"), tenantId: e.tenantId, scriptId: e.scriptId, version: e.version, trigger: "event", status: "queued", input: e.input, attempt: e.attempt + 1, createdBy: e.createdBy, eventId: e.eventId, retryOf: e.id, notBefore })
            .onConflictDoNothing(),
          done,
        ]);
        retried++;
      } else {
        await this.#db.batch([
          this.#db
            .insert(deadLetters)
            .values({ id: newId("dlq"), tenantId: e.tenantId, scriptId: e.scriptId, eventId: e.eventId ?? "", executionId: e.id, attempts: e.attempt, errorCode: e.errorCode, errorMessage: e.errorMessage })
            .onConflictDoNothing(),
          done,
        ]);
        await this.#alerts.onOutcome({ id: e.scriptId, tenantId: e.tenantId, kind: "event" }, { executionId: e.id, status: e.status, trigger: "event", version: e.version, errorMessage: e.errorMessage }, "dead_letter");
      }
    }
    if (retried > 0) background(this.#runs.drain(background));
    return failed.length;
  }

  async deadLetters(principal: Principal) {
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
    if (row.script.deletedAt) throw new AppError("CONFLICT", "the script of this dead letter was deleted");
    const executionId = newId("exe");
    const script: Script = row.script;
    await this.#db.batch([
      this.#db.insert(executions).values({ id: executionId, tenantId: row.d.tenantId, scriptId: script.id, version: script.currentVersion, trigger: "event", status: "queued", input: row.last.input, attempt: 1, createdBy: authorOf(principal), eventId: row.d.eventId }),
      this.#db.update(deadLetters).set({ replayedAt: new Date().toISOString(), replayExecutionId: executionId }).where(eq(deadLetters.id, id)),
    ]);
    background(this.#runs.drain(background));
    return { id, executionId };
  }
}
