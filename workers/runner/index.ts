// A runner's entry worker: the host posts one job per request and gets its result. Each runner
// is its own workerd process, so the host can kill it without touching the others.
import harnessSource from "virtual:harness-source";
import { runCaps, type RunResult } from "../../protocol/run.ts";
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
const jobs = new Map<string, { job: ShadowJob; key: string }>();
/** Cancels that arrived before their job (both were on their way at once), by when they came. */
const cancelledFirst = new Map<string, number>();
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

/** `POST /cancel {executionId}`: its harness aborts its signal and answers it cancelled. */
async function cancel(request: Request, env: RunnerEnv, ctx: ExecutionContext): Promise<Response> {
  const { executionId } = (await request.json()) as { executionId: string };
  const running = jobs.get(executionId);
  if (!running) {
    const now = Date.now();
    for (const [id, at] of cancelledFirst) if (now - at > cancelledFirstForMs) cancelledFirst.delete(id);
    cancelledFirst.set(executionId, now);
    return Response.json({ cancelled: false });
  }
  const cancelled = await cancelExecution(env.LOADER, running.job, executeOptions(env, ctx, running.key)).catch(() => false);
  return Response.json({ cancelled });
}

export default {
  async fetch(request: Request, env: RunnerEnv, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    if (request.method === "GET" && url.pathname === "/health") return new Response("ok");
    if (request.method !== "POST" || (url.pathname !== "/run" && url.pathname !== "/cancel")) return new Response("not found", { status: 404 });
    // The port is on loopback, where any local user could reach it: only the host, which wrote
    // this process's config, knows the secret.
    if (!sameSecret(request.headers.get("x-iota-runner-secret"), env.RUNNER_SECRET)) return new Response("forbidden", { status: 403 });
    if (url.pathname === "/cancel") return cancel(request, env, ctx);
    const job = (await request.json()) as ShadowJob;
    if (cancelledFirst.delete(job.executionId)) {
      const now = new Date().toISOString();
      return Response.json({
        status: "cancelled",
        error: { code: "CANCELLED", message: "cancelled before it started" },
        logs: [],
        startedAt: now,
        finishedAt: now,
        durationMs: 0,
      } satisfies RunResult);
    }
    const key = crypto.randomUUID();
    // A shadow job (a draft tried on recent inputs) keeps what it captured here, outside its isolate.
    const shadow = job.shadow === true ? newShadowRecord() : undefined;
    runningExecutions.set(job.executionId, { key, tenantId: job.tenantId, scriptId: job.scriptId, scriptName: job.scriptName, ...(shadow ? { shadow } : {}) });
    jobs.set(job.executionId, { job, key });
    let graceful = false;
    try {
      const result = await execute(env.LOADER, job, executeOptions(env, ctx, key));
      graceful = result.status === "timed_out" || result.status === "cancelled";
      const answer: ShadowRunResult = shadow ? { ...result, captured: shadow.captured, capturedDropped: shadow.dropped } : result;
      return Response.json(answer);
    } finally {
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
