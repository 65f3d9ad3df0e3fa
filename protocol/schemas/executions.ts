// Runs and their record: starting one, searching history, an execution's detail and statistics.
import * as z from "zod";
import type { LogEntry, OutboundRecord, Progress } from "../run.ts";
import { closed, id, instant, wholeNumber } from "./common.ts";
import { isoTimeInput } from "./time.ts";

import { executionStatuses, triggers } from "../lists.ts";

export { executionStatuses, triggers };
export const executionStatus = z.enum(executionStatuses).meta({ description: "`skipped` and `missed` are schedule slots that did not run." });
export type ExecutionStatus = z.infer<typeof executionStatus>;

export const trigger = z.enum(triggers);
export type Trigger = z.infer<typeof trigger>;

// The runner's records, as protocol/run.ts defines them for the processes; `satisfies` keeps the two in step.
const logEntry = z
  .object({ level: z.enum(["debug", "info", "warn", "error"]), message: z.string(), at: instant })
  .meta({ id: "LogEntry" }) satisfies z.ZodType<LogEntry>;
const progress = z.object({ percent: z.number().min(0).max(100), message: z.string() }).meta({ id: "Progress" }) satisfies z.ZodType<Progress>;
const outboundRecord = z
  .object({
    method: z.string(),
    url: z.string(),
    host: z.string(),
    status: z.int().nullable(),
    bytes: z.int(),
    ms: z.number(),
    refused: z.string().optional().meta({ description: "Why the egress policy refused it, when it did." }),
  })
  .meta({ id: "OutboundRequest" }) satisfies z.ZodType<OutboundRecord>;

export const executionSummary = z
  .object({
    id: id("exe"),
    scriptId: id("scr"),
    scriptName: z.string().nullable(),
    version: z.int(),
    trigger,
    status: executionStatus,
    attempt: z.int(),
    createdAt: instant,
    startedAt: instant.nullable(),
    finishedAt: instant.nullable(),
    durationMs: z.int().nullable(),
    errorCode: z.string().nullable(),
    errorMessage: z.string().nullable().meta({
      description: "The error's message, its first 300 characters (ending with `…` when cut); the record's `error` has all of it and the stack.",
      example: "ledger unavailable: upstream answered 503",
    }),
  })
  .meta({ id: "ExecutionSummary" });

export const executionDetail = executionSummary
  .extend({
    input: z.unknown(),
    output: z.unknown(),
    error: z.object({ code: z.string().nullable(), message: z.string(), stack: z.string().nullable() }).nullable(),
    logs: z.array(logEntry),
    progress: progress.nullable(),
    rerunOf: z.string().nullable(),
    outbound: z.array(outboundRecord).meta({ description: "The script's HTTP requests, as the egress proxy saw them." }),
    createdBy: z.string().nullable(),
  })
  .meta({ id: "ExecutionDetail" });

/** One page of a list that goes on: pass `nextCursor` back as `cursor`. */
export const pageOf = <Item extends z.ZodType>(item: Item) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

/** `GET /admin/api/executions?scriptId=&status=&trigger=&since=&until=&limit=&cursor=`. */
export const executionFilters = z.object({
  scriptId: z.string().optional(),
  status: executionStatus.optional(),
  trigger: trigger.optional(),
  since: isoTimeInput.optional(),
  until: isoTimeInput.optional(),
  limit: z.coerce.number<string | number>().pipe(wholeNumber(1, 200)).optional().meta({ description: "Default 50." }),
  cursor: z.string().optional().meta({ description: "The `nextCursor` of the previous page." }),
});
export type ExecutionFilters = z.input<typeof executionFilters>;

/** `GET /admin/api/stats/executions?days=&scriptId=`. */
export const statsQuery = z.object({
  days: z.coerce.number<string | number>().pipe(wholeNumber(1, 90)).optional().meta({ description: "Default 14." }),
  scriptId: z.string().optional(),
});

export const executionStats = z
  .object({
    days: z.array(
      z.object({
        day: z.string().meta({ example: "2026-11-24" }),
        counts: z.partialRecord(executionStatus, z.int()),
        p50Ms: z.int().nullable(),
        p95Ms: z.int().nullable(),
      }),
    ),
  })
  .meta({ id: "ExecutionStats" });

const runMode = z.enum(["sync", "async"]).meta({ description: "`sync` (default) answers the finished execution; `async` answers 202 at once." });

/** `POST /admin/api/scripts/:id/runs`. */
export const runRequest = closed({
  input: z.unknown().optional().meta({ description: "JSON, up to 1 MB." }),
  mode: runMode.optional(),
  version: z
    .int({ error: "must be a version number (a whole number from 1)" })
    .min(1)
    .optional()
    .meta({ description: "An earlier version to run; the current one when left out." }),
}).meta({ id: "RunRequest" });

/** `POST /admin/api/executions/:id/rerun`: the execution's own input when `input` is left out. */
export const rerunRequest = closed(runRequest.shape).meta({ id: "RerunRequest" });

/** `202` from an async run, re-run or replay: the execution to follow. */
export const runAccepted = z.object({ id: id("exe"), status: z.enum(["queued", "running"]) }).meta({ id: "RunAccepted" });

/** An event delivery that failed every attempt, kept for replay. */
export const deadLetter = z
  .object({
    id: id("dlq"),
    scriptId: id("scr"),
    scriptName: z.string().nullable(),
    eventId: z.string(),
    eventType: z.string().nullable(),
    payload: z.unknown().meta({
      description:
        "The event's payload as its last attempt was given it. In the list, `null` when it is over 64 KB (`payloadBytes` says how big): read `GET /admin/api/dead-letters/{id}` for it.",
    }),
    payloadBytes: z.int().meta({ description: "The payload's size as JSON (UTF-8 bytes)." }),
    occurredAt: instant.nullable().meta({ description: "When the event happened, as published." }),
    attempts: z.int(),
    executionId: id("exe").meta({ description: "The last failed attempt, for its logs and error." }),
    errorCode: z.string().nullable(),
    errorMessage: z.string().nullable(),
    createdAt: instant,
    replayedAt: instant.nullable(),
    replayExecutionId: z.string().nullable(),
  })
  .meta({ id: "DeadLetter" });

/**
 * `POST /admin/api/dead-letters/:id/replay`: no body replays the event as its last attempt had
 * it; `payload` replays it with this payload instead (same id, type and time).
 */
export const replayRequest = closed({
  payload: z.unknown().optional().meta({ description: "An edited payload: any JSON, up to 1 MB, checked like a published event's." }),
}).meta({ id: "ReplayRequest" });

export const deadLetterReplay = z
  .object({
    id: id("dlq"),
    executionId: id("exe").meta({ description: "The new delivery." }),
    status: z.enum(["queued", "running"]).meta({ description: "The new delivery's status: follow it at `GET /admin/api/executions/{executionId}`." }),
    edited: z.boolean().meta({ description: "It carries an edited payload." }),
  })
  .meta({ id: "DeadLetterReplay" });
