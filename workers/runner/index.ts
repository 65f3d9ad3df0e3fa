// A runner's entry worker: the dispatcher posts one job per request, straight to the tenant's
// runner, and gets its result; the host is beside the call, not in it. Each runner is its own
// workerd process, so the host can kill it without touching the others: it learns of each job
// from the lines this process writes to stdout (J: a job began, with its deadline; E: it ended)
// and arms the deadline from them.
import harnessSource from "virtual:harness-source";
import { streamHeadHeader, toBase64, type ResponseEnvelope } from "../../protocol/http-envelope.ts";
import { liveLine } from "../../protocol/live-lines.ts";
import { runCaps, type OutboundRecord, type RunResult } from "../../protocol/run.ts";
import type { ShadowJob, ShadowRunResult } from "../../protocol/shadow.ts";
import { runningExecutions, type RunnerEnv } from "./capabilities.ts";
import { cancelExecution, execute, type ExecuteOptions } from "./execute.ts";
import { newShadowRecord } from "./shadow.ts";
import { periodicCollection } from "../../protocol/periodic-collection.ts";
import { asCancelled } from "./as-cancelled.ts";

export { Egress, Sdk } from "./capabilities.ts";

function sameSecret(given: string | null, expected: string): boolean {
  if (!given || !expected || given.length !== expected.length) return false;
  let diff = 0;
  for (let i = 0; i < given.length; i++) diff |= given.charCodeAt(i) ^ expected.charCodeAt(i);
  return diff === 0;
}

// No tenant code runs in this isolate: the gc the host exposes may stay on its global.
const collectNowAndThen = periodicCollection((globalThis as { gc?: () => void }).gc);

/** The jobs running in this process, by execution, with their capability key: what a cancel needs. */
type Job = { job: ShadowJob; key: string; cancelledBy?: string };
const jobs = new Map<string, Job>();
/** The tenant this process belongs to, fixed by its first job: it never runs another's. */
let owner: string | undefined;

/** Cancels that arrived before their job (both were on their way at once), by when they came. */
const cancelledFirst = new Map<string, { at: number; by: string }>();
const cancelledFirstForMs = 60_000;

type Exports = Record<string, (o: { props: unknown }) => Fetcher>;

function executeOptions(env: RunnerEnv, ctx: ExecutionContext, key: string): ExecuteOptions {
  const exports = (ctx as unknown as { exports: Exports }).exports;
  return {
    capabilityKey: key,
    harnessSource,
    marker: env.MARKER,
    compatibilityDate: env.COMPATIBILITY_DATE,
    capabilities: (tenant) => ({
      env: { SDK: exports.Sdk!({ props: tenant }) },
      globalOutbound: exports.Egress!({ props: tenant }),
    }),
  };
}

/** `POST /cancel {executionId, by}`: its harness aborts its signal and answers it cancelled. */
async function cancel(request: Request, env: RunnerEnv, ctx: ExecutionContext): Promise<Response> {
  const { executionId, by } = (await request.json()) as { executionId: string; by?: string };
  const running = jobs.get(executionId);
  if (!running) {
    const now = Date.now();
    for (const [id, first] of cancelledFirst) if (now - first.at > cancelledFirstForMs) cancelledFirst.delete(id);
    cancelledFirst.set(executionId, { at: now, by: String(by ?? "someone") });
    return Response.json({ cancelled: false });
  }
  return Response.json({ cancelled: await stop(running, String(by ?? "someone"), env, ctx) });
}

/** Has a running job's harness end it as cancelled by `by`; false once the job is over. */
async function stop(running: Job, by: string, env: RunnerEnv, ctx: ExecutionContext): Promise<boolean> {
  running.cancelledBy ??= by;
  // The job may be here but not yet in its harness (the host cancels as soon as the job's J line
  // reaches it): asked again until the harness has it or the job is over.
  for (;;) {
    const cancelled = await cancelExecution(env.LOADER, running.job, executeOptions(env, ctx, running.key)).catch(() => false);
    if (cancelled || jobs.get(running.job.executionId) !== running) return cancelled;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Streamed answers under way or just over, by execution: the result the dispatcher fetches
 * (`POST /result`) once it has relayed the body, and whether it has. A result not fetched in
 * time (the dispatcher went away) is dropped.
 */
type Streamed = { result: Promise<RunResult>; job: Job; overAt?: number };
const streamed = new Map<string, Streamed>();
const streamedResultForMs = 60_000;

/**
 * `POST /result {executionId, stop?}`: the result of a streamed answer, once its execution is
 * over. `stop`: the caller went away, so the execution is ended now (cancelled) rather than
 * when the script finishes writing or its deadline comes.
 */
async function streamResult(request: Request, env: RunnerEnv, ctx: ExecutionContext): Promise<Response> {
  const { executionId, stop: stopFor } = (await request.json()) as { executionId: string; stop?: string };
  const entry = streamed.get(executionId);
  if (!entry) return Response.json({ error: { code: "NOT_FOUND", message: "no streamed answer of this execution here" } }, { status: 404 });
  if (stopFor && jobs.get(executionId) === entry.job) await stop(entry.job, String(stopFor), env, ctx);
  const result = await entry.result;
  streamed.delete(executionId);
  return Response.json(result);
}

/** A line for the host on stdout, in the harness's format, keyed with the job's log key. */
function tellHost(env: RunnerEnv, job: ShadowJob, kind: "J" | "E", data: Record<string, unknown>): void {
  console.log(liveLine(env.MARKER, job.executionId, job.logKey ?? "", kind, JSON.stringify(data)));
}

/** A job's result as the dispatcher gets it, once its execution is over (its answer's body too); then E for the host. */
async function finish(
  env: RunnerEnv,
  ctx: ExecutionContext,
  entry: Job,
  execution: Promise<RunResult>,
  outbound: OutboundRecord[],
  shadow: ReturnType<typeof newShadowRecord> | undefined,
): Promise<RunResult | ShadowRunResult> {
  const { job } = entry;
  let graceful = false;
  let keepLogs = false;
  try {
    const result = asCancelled(await execution, entry.cancelledBy);
    graceful = result.status === "timed_out" || result.status === "cancelled";
    // Given up on while its isolate was held: its lines are only in the host's copy, which the
    // host keeps a while for the dispatcher to fetch.
    keepLogs = result.status === "timed_out" && result.logs.length === 0;
    const withOutbound = { ...result, outbound };
    return shadow ? { ...withOutbound, captured: shadow.captured, capturedDropped: shadow.dropped } : withOutbound;
  } finally {
    tellHost(env, job, "E", keepLogs ? { keep: true } : {});
    jobs.delete(job.executionId);
    // An execution that ended is no one's to act as: its key stops working at once. Only a
    // timed-out or cancelled one, told through ctx.signal, may still clean up through the
    // SDK for a moment (the harness closes its ctx after the same grace); the waitUntil keeps
    // this request, which its capabilities belong to, alive so long.
    if (graceful) ctx.waitUntil(new Promise((resolve) => setTimeout(resolve, runCaps.cleanupGraceMs)).then(() => runningExecutions.delete(job.executionId)));
    else runningExecutions.delete(job.executionId);
  }
}

export default {
  async fetch(request: Request, env: RunnerEnv, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    if (request.method === "GET" && url.pathname === "/health") return new Response("ok");
    if (request.method !== "POST" || (url.pathname !== "/run" && url.pathname !== "/cancel" && url.pathname !== "/result"))
      return new Response("not found", { status: 404 });
    // The port is on loopback, where any local user could reach it: only the host, which wrote
    // this process's config, and the dispatcher it tells, know the secret.
    if (!sameSecret(request.headers.get("x-iota-runner-secret"), env.RUNNER_SECRET)) return new Response("forbidden", { status: 403 });
    if (url.pathname === "/cancel") return cancel(request, env, ctx);
    if (url.pathname === "/result") return streamResult(request, env, ctx);
    const job = (await request.json()) as ShadowJob;
    collectNowAndThen();
    // A process is one tenant's, always: a job of another (a placement that went stale) is
    // refused before anything of it runs, and the dispatcher asks the host again.
    owner ??= job.tenantId;
    if (job.tenantId !== owner) return Response.json({ error: { code: "WRONG_RUNNER", message: "this runner belongs to another tenant" } }, { status: 409 });
    const first = cancelledFirst.get(job.executionId);
    if (first) {
      cancelledFirst.delete(job.executionId);
      const now = new Date().toISOString();
      return Response.json({
        status: "cancelled",
        error: { code: "CANCELLED", message: `cancelled by ${first.by} before it started` },
        logs: [],
        startedAt: now,
        finishedAt: now,
        durationMs: 0,
      } satisfies RunResult);
    }
    const key = crypto.randomUUID();
    job.logKey = crypto.randomUUID().replaceAll("-", "");
    // A shadow job (a draft tried on recent inputs) keeps what it captured here, outside its isolate.
    const shadow = job.shadow === true ? newShadowRecord() : undefined;
    const outbound: OutboundRecord[] = [];
    runningExecutions.set(job.executionId, {
      key,
      tenantId: job.tenantId,
      scriptId: job.scriptId,
      scriptName: job.scriptName,
      outbound,
      ...(shadow ? { shadow } : {}),
    });
    const entry: Job = { job, key };
    jobs.set(job.executionId, entry);
    tellHost(env, job, "J", { tenantId: job.tenantId, timeoutMs: job.timeoutMs });
    // An HTTP answer still being written when the script returned comes back as it starts (its
    // head, and its body as it is written): this request answers with it at once, and the
    // result follows when the body has ended, for the dispatcher to fetch (POST /result).
    let opened: (answer: { head: ResponseEnvelope; body: ReadableStream<Uint8Array> }) => void = () => undefined;
    const answerStarted = new Promise<{ head: ResponseEnvelope; body: ReadableStream<Uint8Array> }>((resolve) => {
      opened = resolve;
    });
    const open = job.stream === true ? async (head: ResponseEnvelope, body: ReadableStream<Uint8Array>) => opened({ head, body }) : undefined;
    const finished = finish(env, ctx, entry, execute(env.LOADER, job, executeOptions(env, ctx, key), open), outbound, shadow);
    if (!open) return Response.json(await finished);
    const answered = await Promise.race([finished, answerStarted]);
    if (!("head" in answered)) return Response.json(answered);
    const now = Date.now();
    for (const [id, old] of streamed) if (old.overAt !== undefined && now - old.overAt > streamedResultForMs) streamed.delete(id);
    const kept: Streamed = { result: finished, job: entry };
    streamed.set(job.executionId, kept);
    ctx.waitUntil(finished.then(() => void (kept.overAt = Date.now())));
    const head = toBase64(new TextEncoder().encode(JSON.stringify(answered.head)));
    return new Response(answered.body, { headers: { "content-type": "application/octet-stream", [streamHeadHeader]: head } });
  },
} satisfies ExportedHandler<RunnerEnv>;
