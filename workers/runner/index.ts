// A runner's entry worker: the dispatcher posts one job per request, straight to the tenant's
// runner, and gets its result; the host is beside the call, not in it. Each runner is its own
// workerd process, so the host can kill it without touching the others: it learns of each job
// from the lines this process writes to stdout (J: a job began, with its deadline; E: it ended)
// and arms the deadline from them.
import harnessSource from "virtual:harness-source";
import { runCaps, type OutboundRecord, type RunResult } from "../../protocol/run.ts";
import type { ShadowJob, ShadowRunResult } from "../../protocol/shadow.ts";
import { runningExecutions, type RunnerEnv } from "./capabilities.ts";
import { cancelExecution, execute, type ExecuteOptions } from "./execute.ts";
import { newShadowRecord } from "./shadow.ts";

export { Egress, Sdk } from "./capabilities.ts";

function sameSecret(given: string | null, expected: string): boolean {
  if (!given || !expected || given.length !== expected.length) return false;
  let diff = 0;
  for (let i = 0; i < given.length; i++) diff |= given.charCodeAt(i) ^ expected.charCodeAt(i);
  return diff === 0;
}

/** The jobs running in this process, by execution, with their capability key: what a cancel needs. */
const jobs = new Map<string, { job: ShadowJob; key: string; cancelledBy?: string }>();
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
  running.cancelledBy ??= String(by ?? "someone");
  // The job may be here but not yet in its harness (the host cancels as soon as the job's J line
  // reaches it): asked again until the harness has it or the job is over.
  for (;;) {
    const cancelled = await cancelExecution(env.LOADER, running.job, executeOptions(env, ctx, running.key)).catch(() => false);
    if (cancelled || jobs.get(executionId) !== running) return Response.json({ cancelled });
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Once a cancel was taken, the run ends cancelled (keeping its logs), naming who cancelled it,
 * even if it finished in the same moment.
 */
function asCancelled(result: RunResult, by: string | undefined): RunResult {
  if (by === undefined) return result;
  const { output: _output, response: _response, ...kept } = result;
  return { ...kept, status: "cancelled", error: { code: "CANCELLED", message: `cancelled by ${by} while it ran` } };
}

/** A line for the host on stdout, in the harness's format, keyed with the job's log key. */
function tellHost(env: RunnerEnv, job: ShadowJob, kind: "J" | "E", data: Record<string, unknown>): void {
  console.log(`\u001e${env.MARKER} ${job.executionId}.${job.logKey} ${kind}${JSON.stringify(data)}`);
}

export default {
  async fetch(request: Request, env: RunnerEnv, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    if (request.method === "GET" && url.pathname === "/health") return new Response("ok");
    if (request.method !== "POST" || (url.pathname !== "/run" && url.pathname !== "/cancel")) return new Response("not found", { status: 404 });
    // The port is on loopback, where any local user could reach it: only the host, which wrote
    // this process's config, and the dispatcher it tells, know the secret.
    if (!sameSecret(request.headers.get("x-iota-runner-secret"), env.RUNNER_SECRET)) return new Response("forbidden", { status: 403 });
    if (url.pathname === "/cancel") return cancel(request, env, ctx);
    const job = (await request.json()) as ShadowJob;
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
    const entry: { job: ShadowJob; key: string; cancelledBy?: string } = { job, key };
    jobs.set(job.executionId, entry);
    tellHost(env, job, "J", { tenantId: job.tenantId, timeoutMs: job.timeoutMs });
    let graceful = false;
    let keepLogs = false;
    try {
      const result = asCancelled(await execute(env.LOADER, job, executeOptions(env, ctx, key)), entry.cancelledBy);
      graceful = result.status === "timed_out" || result.status === "cancelled";
      // Given up on while its isolate was held: its lines are only in the host's copy, which the
      // host keeps a while for the dispatcher to fetch.
      keepLogs = result.status === "timed_out" && result.logs.length === 0;
      const withOutbound = { ...result, outbound };
      const answer: ShadowRunResult = shadow ? { ...withOutbound, captured: shadow.captured, capturedDropped: shadow.dropped } : withOutbound;
      return Response.json(answer);
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
  },
} satisfies ExportedHandler<RunnerEnv>;
