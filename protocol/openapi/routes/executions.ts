// Execution history, live streams, re-runs, statistics, dead letters and secrets.
import * as z from "zod";
import { id, itemsOf } from "../../schemas/common.ts";
import {
  deadLetter,
  deadLetterReplay,
  executionDetail,
  executionFilters,
  executionStats,
  executionSummary,
  pageOf,
  replayRequest,
  rerunRequest,
  runAccepted,
  statsQuery,
} from "../../schemas/executions.ts";
import { secretParams, secretSummary, secretValueRequest, secretWritten } from "../../schemas/secrets.ts";
import { usageReport, usageReportQuery } from "../../schemas/usage.ts";
import { deadLetterExample, executionExample, executionSummaryExample, sseExample, usageExample } from "../examples.ts";
import { body, json, route } from "../operation.ts";

const execution = z.object({ id: id("exe") });
const at = "2026-11-24T09:30:00.000Z";

const day = (period: string, succeeded: number, failed: number, sum: number) => ({
  period,
  runs: succeeded + failed,
  counts: { succeeded, failed },
  durationMs: { sum, p50: 180, p95: 920 },
});
const usageReportExample = {
  since: "2026-11-23",
  until: "2026-11-24",
  tenants: [
    {
      tenant: { id: "ten_01jq3v2k7c9x8m", slug: "acme", name: "Acme Corp" },
      days: [day("2026-11-23", 40, 1, 9_120), day("2026-11-24", 41, 2, 9_870)],
      months: [day("2026-11", 81, 3, 18_990)],
      total: day("2026-11-23/2026-11-24", 81, 3, 18_990),
      now: usageExample,
    },
  ],
};

export const executionRoutes = [
  route("get", "/admin/api/executions", "listExecutions", {
    tag: "Executions",
    who: "executions.read",
    summary: "Execution history, newest first, a page at a time",
    query: executionFilters,
    answers: [
      json(200, "A page; pass `nextCursor` back as `cursor` for the next.", pageOf(executionSummary), { items: [executionSummaryExample], nextCursor: null }),
    ],
  }),
  route("get", "/admin/api/executions/{id}", "getExecution", {
    tag: "Executions",
    who: "executions.read",
    summary: "An execution's record: input, output, error, logs, progress, outbound requests",
    params: execution,
    answers: [json(200, "The record.", executionDetail, executionExample)],
  }),
  route("get", "/admin/api/executions/{id}/stream", "streamExecution", {
    tag: "Executions",
    who: "executions.read",
    summary: "Follow an execution live (server-sent events)",
    description:
      "Events: `log` (a log line), `progress` (`{percent, message}`) and, last, `end` (the finished record, an ExecutionDetail). A finished execution answers its lines and `end` at once. 10 live streams per tenant, 100 per server.",
    params: execution,
    answers: [{ status: 200, description: "A `text/event-stream`.", mediaType: "text/event-stream", example: sseExample }],
    errors: { 429: "Too many live streams open for the tenant or the server." },
  }),
  route("post", "/admin/api/executions/{id}/rerun", "rerunExecution", {
    tag: "Executions",
    who: "scripts.execute",
    summary: "Run an execution's script again, with its input or another",
    params: execution,
    body: body(rerunRequest, { mode: "async" }),
    answers: [
      json(200, "The finished execution (sync).", executionDetail, { ...executionExample, rerunOf: "exe_01jq3v2k7c9x7k" }),
      json(202, "Accepted (async).", runAccepted, { id: "exe_01jq3v2k7c9x8m", status: "running" }),
    ],
    errors: { 429: "The tenant is at its concurrency limit or a budget.", 503: "No runner process is free." },
  }),
  route("post", "/admin/api/executions/{id}/cancel", "cancelExecution", {
    tag: "Executions",
    who: "scripts.execute",
    summary: "Cancel a queued or running execution",
    description:
      "A queued execution is closed at once, freeing its place in the queue. A running one is stopped: its `ctx.signal` aborts (reason: an Error `cancelled`), it gets the same 1 s cleanup grace as a timed-out run, and a runner it still holds is then stopped like a timed-out run's (the tenant is not penalised; other executions stopped with it are `interrupted`). The answer comes once it has ended: `cancelled`, code `CANCELLED`, naming who cancelled, with the logs it wrote. A cancelled event delivery is not retried.",
    params: execution,
    answers: [
      json(200, "The cancelled execution.", executionDetail, {
        ...executionExample,
        status: "cancelled",
        errorCode: "CANCELLED",
        output: null,
        error: { code: "CANCELLED", message: "cancelled by dana (usr_01jq3v2k7c9x8m) while it ran", stack: null },
      }),
    ],
    errors: { 409: "It has already finished (`details.status` says how), or it runs where this server cannot stop it." },
  }),
  route("get", "/admin/api/stats/executions", "getExecutionStats", {
    tag: "Executions",
    who: "executions.read",
    summary: "Runs per day by status, and p50/p95 duration",
    query: statsQuery,
    answers: [
      json(200, "One entry per day, oldest first.", executionStats, {
        days: [{ day: "2026-11-24", counts: { succeeded: 41, failed: 2 }, p50Ms: 180, p95Ms: 920 }],
      }),
    ],
  }),
  route("get", "/admin/api/dead-letters", "listDeadLetters", {
    tag: "Executions",
    who: "executions.read",
    summary: "Event deliveries that failed every attempt",
    description:
      "Each with its event (id, type, time and payload as its last attempt had it) and the last error. A payload over 64 KB is left out of the list (`payload` null, `payloadBytes` its size): read the dead letter itself.",
    answers: [json(200, "The newest 500.", itemsOf(deadLetter), { items: [deadLetterExample] })],
  }),
  route("get", "/admin/api/dead-letters/{id}", "getDeadLetter", {
    tag: "Executions",
    who: "executions.read",
    summary: "A dead letter with its event's whole payload, to preview or edit before a replay",
    params: z.object({ id: id("dlq") }),
    answers: [json(200, "The dead letter.", deadLetter, deadLetterExample)],
  }),
  route("post", "/admin/api/dead-letters/{id}/replay", "replayDeadLetter", {
    tag: "Executions",
    who: "scripts.execute",
    summary: "Deliver a dead-lettered event again, as a fresh delivery with its own retries",
    description:
      "Without a body, the event is delivered as its last attempt had it. With `{payload}`, it is delivered with that payload instead (same event id, type and time), checked like a published event's (any JSON, up to 1 MB); the stored event is not changed.",
    params: z.object({ id: id("dlq") }),
    body: body(replayRequest, { payload: { amount: "42.00", currency: "EUR" } }),
    answers: [
      json(202, "The new delivery.", deadLetterReplay, { id: "dlq_01jq3v2k7c9x8m", executionId: "exe_01jq3v2k7c9x9n", status: "running", edited: true }),
    ],
    errors: { 409: "The dead letter's script was deleted.", 413: "It would pass the tenant's `maxQueuedBytes`.", 429: "The tenant's queue is full." },
  }),
  route("get", "/admin/api/usage/report", "getUsageReport", {
    tag: "Tenants",
    who: "any credential",
    summary: "Usage per tenant: runs per day and month by status, durations, and where it stands against its quota and budgets",
    description:
      "Any role reads its own tenant's report; a platform admin may ask for another tenant's (`tenant`) or every tenant's (`all=true`). Counts are of executions created in each UTC day; durations are wall-clock times of the runs that finished (sum, p50, p95).",
    query: usageReportQuery,
    answers: [json(200, "The report, one entry per tenant.", usageReport, usageReportExample)],
    errors: { 403: "`tenant` or `all` asked for by someone who is not a platform admin." },
  }),
  route("get", "/admin/api/secrets", "listSecrets", {
    tag: "Secrets",
    who: "scripts.read",
    summary: "The tenant's secrets: names and times only, never values",
    answers: [
      json(200, "The secrets, by name.", itemsOf(secretSummary), { items: [{ name: "STRIPE_KEY", updatedAt: at, updatedBy: "dana (usr_01jq3v2k7c9x8m)" }] }),
    ],
  }),
  route("put", "/admin/api/secrets/{name}", "setSecret", {
    tag: "Secrets",
    who: "secrets.manage",
    summary: "Set a secret (sealed with AES-256-GCM; scripts read it with ctx.secrets.get)",
    params: secretParams,
    body: body(secretValueRequest, { value: "sk_live_51H..." }),
    answers: [json(200, "Stored.", secretWritten, { name: "STRIPE_KEY", updatedAt: at })],
    errors: { 413: "The value is over 64 KB." },
  }),
  route("delete", "/admin/api/secrets/{name}", "deleteSecret", {
    tag: "Secrets",
    who: "secrets.manage",
    summary: "Delete a secret",
    params: z.object({ name: z.string().meta({ example: "STRIPE_KEY" }) }),
    answers: [{ status: 204, description: "Deleted." }],
  }),
];
