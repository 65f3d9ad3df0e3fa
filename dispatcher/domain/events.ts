// Domain events: accepted durably before the answer, idempotent on the publisher's id, and
// delivered to every subscribed event script as its own execution. A failed delivery is
// retried with exponential backoff and jitter; after its last attempt it is dead-lettered
// (see dead-letters.ts). The database is the truth: a retry or a dead letter is recorded by a
// sweep that also runs after a crash, so no accepted event is ever dropped.
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Database, Statement } from "../../db/open-remote.ts";
import type { EventAccepted, EventBatchAccepted } from "../../protocol/api.ts";
import { utf8Bytes } from "../../protocol/run.ts";
import { deadLetters, events, executions, scripts, type Script } from "../../db/schema.ts";
import type * as z from "zod";
import { AppError } from "../../protocol/errors.ts";
import type { domainEvent, publishBatchRequest, publishEventRequest } from "../../protocol/schemas/events.ts";
import type { Admission, Delivery } from "./admission.ts";
import { isUniqueViolation } from "./db-errors.ts";
import type { GroupCommit } from "./group-commit.ts";
import type { AlertService } from "./alerts.ts";
import { refusalOf } from "./budgets.ts";
import { authorOf, requirePermission, type Principal } from "./principal.ts";
import { encodeInput, type Background, type RunService } from "./runs.ts";
import { newId } from "./secrets.ts";
import type { ScriptDirectory } from "./script-directory.ts";
import type { TenantService } from "./tenants.ts";
import { TtlCache } from "./ttl-cache.ts";

/** Retry n (1-based) waits about 2 s, doubling, capped at 15 minutes, with ±20% jitter. */
export function backoffMs(retry: number, random = Math.random): number {
  const base = Math.min(2000 * 2 ** (retry - 1), 15 * 60_000);
  return Math.round(base * (0.8 + 0.4 * random()));
}

/** JSON text with object keys sorted, so the same value compares equal however it was written. */
function canonicalJson(text: string): string {
  const sorted = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sorted)
      : v && typeof v === "object"
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
          )
        : v;
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
const maxEventDepth = 10;

const maxDeliveriesPerRequest = 5000;
const maxDeliveryBytesPerRequest = 64 * 1024 * 1024;

/** An event as the intake checked it; its payload is already JSON. */
export interface IncomingEvent {
  id: string;
  type: string;
  payload: string;
  occurredAt: string;
}

/** An event as the schema passed it (protocol/schemas/events.ts), its payload encoded; `field` names it in a batch. */
function incoming(event: z.output<typeof domainEvent>, field = ""): IncomingEvent {
  const payload = encodeInput(event.payload ?? null, field ? `${field}.payload` : "payload");
  return { id: event.id, type: event.type, payload, occurredAt: event.occurredAt ?? new Date().toISOString() };
}

/**
 * The input a delivery of `e` gets, `{id, type, payload, occurredAt}` as JSON: written around
 * the payload, which is JSON already, rather than parsed and encoded again for every event.
 */
export function eventInput(e: IncomingEvent): string {
  return `{"id":${JSON.stringify(e.id)},"type":${JSON.stringify(e.type)},"payload":${e.payload},"occurredAt":${JSON.stringify(e.occurredAt)}}`;
}

/** Events per insert statement: 8 parameters each. */
const eventChunk = 500;

function eventInserts(tenantId: string, fresh: IncomingEvent[], receivedAt: string, depth: number, stored: Map<string, { deliveries: number }>): Statement[] {
  const statements: Statement[] = [];
  for (let first = 0; first < fresh.length; first += eventChunk) {
    const chunk = fresh.slice(first, first + eventChunk);
    statements.push({
      sql: `INSERT INTO events (tenant_id, id, type, payload, occurred_at, received_at, deliveries, depth) VALUES ${chunk.map(() => "(?, ?, ?, ?, ?, ?, ?, ?)").join(", ")}`,
      params: chunk.flatMap((e) => [tenantId, e.id, e.type, e.payload, e.occurredAt, receivedAt, stored.get(e.id)!.deliveries, depth]),
    });
  }
  return statements;
}

export type Accepted = EventAccepted;
export type BatchAccepted = EventBatchAccepted;

export class EventService {
  readonly #db: Database;
  readonly #runs: RunService;
  readonly #tenants: TenantService;

  readonly #alerts: AlertService;
  readonly #directory: ScriptDirectory;
  readonly #admission: Admission;
  readonly #writes: GroupCommit;
  // An execution's place in its chain never changes; a script publishing in a loop asks often.
  readonly #publisherDepths = new TtlCache<string, { depth: number; cause: string }>(60_000, 10_000);

  constructor(
    db: Database,
    runs: RunService,
    tenants: TenantService,
    alerts: AlertService,
    directory: ScriptDirectory,
    admission: Admission,
    writes: GroupCommit,
  ) {
    this.#db = db;
    this.#writes = writes;
    this.#directory = directory;
    this.#admission = admission;
    this.#runs = runs;
    this.#tenants = tenants;
    this.#alerts = alerts;
  }

  /** `POST /api/events` with one event. */
  async publish(principal: Principal, body: z.output<typeof publishEventRequest>, background: Background): Promise<Accepted> {
    requirePermission(principal, "scripts.execute");
    const tenant = await this.#tenantFor(principal, body.tenant);
    const [accepted] = await this.acceptMany(tenant, [incoming(body)], authorOf(principal), background);
    return accepted!;
  }

  /**
   * `POST /api/events` with `{events: [...]}`: up to 500 events of one tenant, stored together
   * or not at all (one bad event refuses the batch, naming it), each idempotent on its id.
   */
  async publishBatch(principal: Principal, body: z.output<typeof publishBatchRequest>, background: Background): Promise<BatchAccepted> {
    requirePermission(principal, "scripts.execute");
    const tenant = await this.#tenantFor(principal, body.tenant);
    const parsed = body.events.map((event, i) => incoming(event, `events[${i}]`));
    const events = await this.acceptMany(tenant, parsed, authorOf(principal), background);
    return { accepted: events.filter((e) => !e.duplicate).length, duplicates: events.filter((e) => e.duplicate).length, events };
  }

  async #tenantFor(principal: Principal, tenantSlug: string | undefined): Promise<{ id: string; slug: string }> {
    if (tenantSlug === undefined || tenantSlug === principal.tenant.slug) return principal.tenant;
    if (!principal.platformAdmin) throw new AppError("FORBIDDEN", "only a platform admin may publish for another tenant");
    const row = await this.#tenants.bySlug(tenantSlug, "tenant");
    return { id: row.id, slug: row.slug };
  }

  /** Stores one event (from a script, with its chain depth) and its deliveries. */
  async accept(tenant: { id: string; slug: string }, e: IncomingEvent, createdBy: string, background: Background, depth = 0): Promise<Accepted> {
    const [accepted] = await this.acceptMany(tenant, [e], createdBy, background, depth);
    return accepted!;
  }

  /**
   * Stores the events not seen before, each with one delivery per subscribed script, in one
   * transaction. A delivery starts at once when its tenant has room, else waits in the queue.
   * An id seen before is a duplicate when it carried the same event, and refused (409) when it
   * carried another: that would be a lost event, a publisher's bug worth hearing about.
   */
  async acceptMany(tenant: { id: string; slug: string }, incoming: IncomingEvent[], createdBy: string, background: Background, depth = 0): Promise<Accepted[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        // One new event is simply inserted (a repeat fails on its key and is looked up then);
        // a batch looks up its ids first, one query instead of a failed transaction per repeat.
        return await this.#store(tenant, incoming, createdBy, background, depth, incoming.length > 1 || attempt > 1);
      } catch (error) {
        // Another request stored one of these ids between our look and our write: look again.
        if (!isUniqueViolation(error)) throw error;
        if (attempt >= 5) {
          const what = incoming.length > 1 ? "some of these event ids" : `event id ${incoming[0]!.id}`;
          throw new AppError(
            "CONFLICT",
            `other requests are publishing ${what} at this moment; publish again (an id already stored is answered as a duplicate)`,
            {
              field: incoming.length > 1 ? "events" : "id",
              details: { retryAfterSeconds: 1 },
            },
          );
        }
      }
    }
  }

  async #store(
    tenant: { id: string; slug: string },
    incoming: IncomingEvent[],
    createdBy: string,
    background: Background,
    depth: number,
    lookFirst: boolean,
  ): Promise<Accepted[]> {
    const ids = lookFirst ? [...new Set(incoming.map((e) => e.id))] : [];
    const stored = new Map<string, { type: string; payload: string; deliveries: number; receivedAt: string }>();
    for (let i = 0; i < ids.length; i += 200) {
      const rows = await this.#db
        .select({ id: events.id, type: events.type, payload: events.payload, deliveries: events.deliveries, receivedAt: events.receivedAt })
        .from(events)
        .where(and(eq(events.tenantId, tenant.id), inArray(events.id, ids.slice(i, i + 200))));
      for (const row of rows) stored.set(row.id, row);
    }
    const live = (await this.#directory.live(tenant.id, "event")).filter((s) => s.enabled);
    const receivedAt = new Date().toISOString();
    const fresh: IncomingEvent[] = [];
    const deliveries: (Delivery & { script: Script })[] = [];
    let inputBytes = 0;
    const answers = incoming.map((e, i): Accepted => {
      const known = stored.get(e.id);
      if (known) {
        if (known.type !== e.type || canonicalJson(known.payload) !== canonicalJson(e.payload)) {
          const field = incoming.length > 1 ? `events[${i}].id` : "id";
          throw new AppError(
            "CONFLICT",
            `event id ${e.id} was already used for a different event (type ${known.type}, received ${known.receivedAt}); ids must be unique per event`,
            { field },
          );
        }
        return { id: e.id, type: known.type, duplicate: true, deliveries: known.deliveries };
      }
      const subscribers = live.filter((s) => subscribes(s.config.events, e.type));
      stored.set(e.id, { type: e.type, payload: e.payload, deliveries: subscribers.length, receivedAt });
      fresh.push(e);
      if (subscribers.length > 0) {
        const input = eventInput(e);
        inputBytes += utf8Bytes(input) * subscribers.length;
        for (const script of subscribers)
          deliveries.push({ script, scriptId: script.id, version: script.currentVersion, input, eventId: e.id, timeoutMs: script.timeoutMs });
      }
      return { id: e.id, type: e.type, duplicate: false, deliveries: subscribers.length };
    });
    if (fresh.length === 0) return answers;
    // Every delivery keeps its own copy of the event: a big batch to many subscribers would hold
    // the write lock, and the memory of both processes, for as long as it takes to write.
    if (deliveries.length > maxDeliveriesPerRequest || inputBytes > maxDeliveryBytesPerRequest) {
      throw new AppError(
        "PAYLOAD_TOO_LARGE",
        `these events would make ${deliveries.length} deliveries (${Math.ceil(inputBytes / 1024 / 1024)} MB of input); one request may make at most ${maxDeliveriesPerRequest} and ${maxDeliveryBytesPerRequest / 1024 / 1024} MB: publish fewer events per request`,
        { field: incoming.length > 1 ? "events" : "payload" },
      );
    }
    // The events, then their deliveries, each in a few multi-row statements: a publish of 100
    // events is a handful of statements, not 200. Past the tenant's history budget the
    // deliveries wait for the next day; past its queue budgets the statement of the last one
    // fails, and the whole publish with it (see admitDeliveriesStatements).
    const statements = eventInserts(tenant.id, fresh, receivedAt, depth, stored);
    const admitted = this.#admission.admitDeliveriesStatements(tenant.id, createdBy, deliveries);
    statements.push(...admitted.statements);
    const results = await this.#writes.run(statements).catch(async (error: unknown) => {
      const refusal = refusalOf(error);
      if (!refusal) throw error;
      const what = `${incoming.length > 1 ? "these events" : "this event"} (${deliveries.length} deliveries, ${Math.ceil(inputBytes / 1024)} KB of input)`;
      const refused = await this.#admission.refusal(tenant, what, inputBytes, refusal);
      throw new AppError(refused.code, refused.message, { field: incoming.length > 1 ? "events" : undefined, details: refused.details });
    });
    const running = new Set<string>();
    for (const rows of results.slice(statements.length - admitted.statements.length))
      for (const [id, status] of rows as [string, string][]) if (status === "running") running.add(id);
    deliveries.forEach((d, i) => {
      const id = admitted.ids[i]!;
      if (!running.has(id)) return;
      background(
        this.#runs.startClaimed(
          {
            id,
            tenantId: tenant.id,
            scriptId: d.scriptId,
            version: d.version,
            trigger: "event",
            input: d.input,
            attempt: 1,
            timeoutMs: d.timeoutMs,
          },
          background,
        ),
      );
    });
    return answers;
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
            // A retry takes its failed attempt's place: no budget refuses it, or the event would be lost.
            .values({
              id: newId("exe"),
              tenantId: e.tenantId,
              scriptId: e.scriptId,
              version: e.version,
              trigger: "event",
              status: "queued",
              input: e.input,
              inputBytes: utf8Bytes(e.input ?? ""),
              attempt: e.attempt + 1,
              createdBy: e.createdBy,
              eventId: e.eventId,
              retryOf: e.id,
              notBefore,
            })
            .onConflictDoNothing(),
          done,
        ]);
        retried++;
      } else {
        await this.#db.batch([
          this.#db
            .insert(deadLetters)
            .values({
              id: newId("dlq"),
              tenantId: e.tenantId,
              scriptId: e.scriptId,
              eventId: e.eventId ?? "",
              executionId: e.id,
              attempts: e.attempt,
              errorCode: e.errorCode,
              errorMessage: e.errorMessage,
            })
            .onConflictDoNothing(),
          done,
        ]);
        await this.#alerts.onOutcome(
          { id: e.scriptId, tenantId: e.tenantId, kind: "event" },
          { executionId: e.id, status: e.status, trigger: "event", version: e.version, errorMessage: e.errorMessage },
          "dead_letter",
        );
      }
    }
    if (retried > 0) background(this.#runs.drain(background));
    return failed.length;
  }
}
