// A runner's entry worker: the host posts one job per request and gets its result. Each runner
// is its own workerd process, so the host can kill it without touching the others.
import harnessSource from "virtual:harness-source";
import { runCaps } from "../../protocol/run.ts";
import type { ShadowJob, ShadowRunResult } from "../../protocol/shadow.ts";
import { runningExecutions, type RunnerEnv } from "./capabilities.ts";
import { execute } from "./execute.ts";
import { newShadowRecord } from "./shadow.ts";

export { Egress, Sdk } from "./capabilities.ts";

function sameSecret(given: string | null, expected: string): boolean {
  if (!given || !expected || given.length !== expected.length) return false;
  let diff = 0;
  for (let i = 0; i < given.length; i++) diff |= given.charCodeAt(i) ^ expected.charCodeAt(i);
  return diff === 0;
}

export default {
  async fetch(request: Request, env: RunnerEnv, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    if (request.method === "GET" && url.pathname === "/health") return new Response("ok");
    if (request.method !== "POST" || url.pathname !== "/run") return new Response("not found", { status: 404 });
    // The port is on loopback, where any local user could reach it: only the host, which wrote
    // this process's config, knows the secret.
    if (!sameSecret(request.headers.get("x-iota-runner-secret"), env.RUNNER_SECRET)) return new Response("forbidden", { status: 403 });
    const job = (await request.json()) as ShadowJob;
    const exports = (ctx as unknown as { exports: Record<string, (o: { props: unknown }) => Fetcher> }).exports;
    const key = crypto.randomUUID();
    // A shadow job (a draft tried on recent inputs) keeps what it captured here, outside its isolate.
    const shadow = job.shadow === true ? newShadowRecord() : undefined;
    runningExecutions.set(job.executionId, { key, tenantId: job.tenantId, scriptId: job.scriptId, scriptName: job.scriptName, ...(shadow ? { shadow } : {}) });
    let timedOut = false;
    try {
      const result = await execute(env.LOADER, job, {
        capabilityKey: key,
        harnessSource,
        marker: env.MARKER,
        compatibilityDate: env.COMPATIBILITY_DATE,
        capabilities: (tenant) => ({
          env: { SDK: exports.Sdk!({ props: tenant }) },
          globalOutbound: exports.Egress!({ props: tenant }),
        }),
      });
      timedOut = result.status === "timed_out";
      const answer: ShadowRunResult = shadow ? { ...result, captured: shadow.captured, capturedDropped: shadow.dropped } : result;
      return Response.json(answer);
    } finally {
      // An execution that ended is no one's to act as: its key stops working at once. Only a
      // timed-out one, told of its deadline through ctx.signal, may still clean up through the
      // SDK for a moment (the harness closes its ctx after the same grace); the waitUntil keeps
      // this request, which its capabilities belong to, alive so long.
      if (timedOut) ctx.waitUntil(new Promise((resolve) => setTimeout(resolve, runCaps.cleanupGraceMs)).then(() => runningExecutions.delete(job.executionId)));
      else runningExecutions.delete(job.executionId);
    }
  },
} satisfies ExportedHandler<RunnerEnv>;
