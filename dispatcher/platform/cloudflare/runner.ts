// The runner on Cloudflare: the dispatcher loads each script version itself through the Worker
// Loader (keyed by tenant and code hash, as a local runner does), and Cloudflare enforces the
// isolate's limits, so no process of ours has to be killed. Each isolate gets the platform's
// capabilities with the tenant in their props (capabilities.ts): `env.SDK`, `globalOutbound`
// (the egress policy) and a streaming tail that brings its live lines back. The run's live
// state (logs, progress, outbound records) is kept in this isolate while it runs, which is where
// the dispatcher's live route reads it for a stream opened on the same isolate; the record in
// the database has everything once the run ends.
import harnessSource from "virtual:harness-source";
import { runCaps, type LiveState, type RunJob, type RunResult } from "../../../protocol/run.ts";
import type { ShadowJob, ShadowRunResult } from "../../../protocol/shadow.ts";
import { cancelExecution, execute, type ExecuteOptions } from "../../../workers/runner/execute.ts";
import { asCancelled } from "../../../workers/runner/as-cancelled.ts";
import { newShadowRecord } from "../../../workers/runner/shadow.ts";
import type { Env } from "../../env.ts";
import type { ResponseEnvelope } from "../../../protocol/http-envelope.ts";
import { type Relayed, relay, streamedOutcome, streamTaker } from "../answer-stream.ts";
import type { Runner, RunnerStats } from "../runner.ts";
import { type CloudflareTenantProps, inflight, liveMarker } from "./capabilities.ts";
import { requestCounter } from "./egress.ts";

/** What `ctx.exports` (or `exports` from cloudflare:workers) offers: the entrypoints dispatcher/index.ts exports. */
export interface CloudflareExports {
  CloudflareSdk(options: { props: CloudflareTenantProps }): Fetcher;
  CloudflareEgress(options: { props: CloudflareTenantProps }): Fetcher;
  CloudflareScriptLogs(options: { props: CloudflareTenantProps }): Fetcher;
}

/** Cloudflare's ceiling for CPU per invocation (Workers Paid); a longer timeout is wall time only. */
export const maxCpuMs = 300_000;
/**
 * Subrequests one execution may make: its fetch() allowance (each through the egress, which
 * counts them itself with clear refusals) plus its SDK calls, which are RPC to this worker.
 */
export const subRequestsPerExecution = 50 + 1000;

/**
 * The isolate's enforced limits for a job. CPU time cannot exceed wall time, so the timeout is
 * the CPU limit (up to Cloudflare's ceiling): a script spinning the CPU is stopped by Cloudflare
 * at its timeout, as a local one is by having its process killed.
 */
export function limitsFor(job: Pick<RunJob, "timeoutMs">): { cpuMs: number; subRequests: number } {
  return { cpuMs: Math.min(Math.max(1, Math.ceil(job.timeoutMs)), maxCpuMs), subRequests: subRequestsPerExecution };
}

/**
 * How a script's isolate is loaded: with the live-log tail; with it again in a fresh isolate after
 * workerd refused it once; without it, after a second refusal.
 */
type IsolateLoad = "tailed" | "retried" | "untailed";

/**
 * The load failure workerd gives when it refuses a streaming tail (the script did not run). Only
 * a failed call to the harness is read this way: a script throwing these words is its own failure.
 */
const tailRefusal = (error: unknown) => error instanceof Error && /Streaming tail workers are experimental/.test(error.message);
const tailRefused = (result: RunResult) => result.error?.code === "ISOLATE_REFUSED";

/**
 * The loader, with the platform's parts added to what execute() loads: the limits (on the code,
 * and per call on the entrypoint, since an isolate is shared by its version's runs and their
 * timeouts may differ) and the streaming tail that reads the harness's live lines.
 */
function platformLoader(loader: WorkerLoader, job: ShadowJob, exports: CloudflareExports, load: IsolateLoad = "tailed"): WorkerLoader {
  const tail = load !== "untailed";
  const limits = limitsFor(job);
  const tenant: CloudflareTenantProps = { tenantId: job.tenantId, tenantSlug: job.tenantSlug, shadow: job.shadow === true };
  const withParts = (stub: WorkerStub): WorkerStub => ({
    getEntrypoint: (name, options) => stub.getEntrypoint(name, { ...options, limits }),
    getDurableObjectClass: (name, options) => stub.getDurableObjectClass(name, { ...options, limits }),
  });
  const extend = (code: WorkerLoaderWorkerCode): WorkerLoaderWorkerCode => ({
    ...code,
    limits,
    ...(tail ? { streamingTails: [...(code.streamingTails ?? []), exports.CloudflareScriptLogs({ props: tenant })] } : {}),
  });
  return {
    // Each other load is another isolate: it must not be the cached (or refused) first one.
    get: (name, getCode) => withParts(loader.get(load === "tailed" ? name : `${name}:${load}`, async () => extend(await getCode()))),
    load: (code) => withParts(loader.load(extend(code))),
  };
}

const noLive: LiveState = { running: false, logs: [], progress: null };

export function createCloudflareRunner(env: Env & { LOADER: WorkerLoader }, exports: CloudflareExports): Runner {
  const loader = env.LOADER;
  const compatibilityDate = env.COMPATIBILITY_DATE ?? "2026-11-01";
  const options = (key: string): ExecuteOptions => ({
    harnessSource,
    marker: liveMarker(),
    compatibilityDate,
    capabilityKey: key,
    refusedAtLoad: tailRefusal,
    capabilities: (tenant) => ({
      env: { SDK: exports.CloudflareSdk({ props: tenant }) },
      globalOutbound: exports.CloudflareEgress({ props: tenant }),
    }),
  });
  /** The jobs running here, with their capability key and, once cancelled, who cancelled them. */
  type Running = { job: ShadowJob; key: string; cancelledBy?: string };
  const jobs = new Map<string, Running>();

  async function run(job: ShadowJob): Promise<RunResult> {
    const key = crypto.randomUUID();
    const logKey = crypto.randomUUID();
    const shadow = job.shadow === true ? newShadowRecord() : undefined;
    const entry = {
      key,
      logKey,
      tenantId: job.tenantId,
      scriptId: job.scriptId,
      scriptName: job.scriptName,
      ...(shadow ? { shadow } : {}),
      logs: [],
      progress: null,
      started: false,
      outbound: [],
      requests: 0,
    };
    inflight.set(job.executionId, entry);
    const running: Running = { job, key };
    jobs.set(job.executionId, running);
    let graceful = false;
    // A caller that takes a streamed answer (an HTTP endpoint's) gets the body relayed to it
    // from the isolate as it is written; the result comes when the body is over.
    const take = streamTaker(job.executionId);
    let streamed: { head: ResponseEnvelope; relayed: Promise<Relayed> } | undefined;
    const open = take
      ? async (head: ResponseEnvelope, body: ReadableStream<Uint8Array>) => {
          streamed = { head, relayed: relay(body, head, take, () => void cancel(job.executionId, "its caller, who disconnected")) };
        }
      : undefined;
    try {
      const ran = { ...job, logKey, ...(take ? { stream: true } : {}) };
      // The script never ran when its isolate was refused for the live-log tail (workerd calls
      // streaming tails experimental and refuses them now and then, about one cold load in 25
      // under wrangler dev, seemingly at random): a fresh isolate gets the tail almost always, and
      // after a second refusal it runs without one, its logs coming with its result.
      const loadAndRun = (load: IsolateLoad) => execute(platformLoader(loader, ran, exports, load), ran, options(key), open);
      let result = await loadAndRun("tailed");
      for (const next of ["retried", "untailed"] as const) {
        if (!tailRefused(result)) break;
        console.log(JSON.stringify({ level: "warn", event: "execution.tail-refused", executionId: job.executionId, tenantId: job.tenantId, next }));
        result = await loadAndRun(next);
      }
      if (streamed) result = streamedOutcome(result, streamed.head, await streamed.relayed);
      result = asCancelled(result, running.cancelledBy);
      graceful = result.status === "timed_out" || result.status === "cancelled";
      // A failed event delivery is followed up (retried, or dead-lettered) by the tick: wake it
      // now rather than at the next cron minute. The record is written before the wake-up lands.
      if (result.status !== "succeeded" && job.trigger === "event" && env.WAKE) {
        env.WAKE.send({ reason: "delivery-failed" }, { delaySeconds: 1 }).catch((e: Error) =>
          console.error(JSON.stringify({ level: "error", event: "wake.failed", error: e.message })),
        );
      }
      // A run the harness could not answer for (Cloudflare stopped its isolate at the CPU limit)
      // keeps the lines that reached the tail.
      const logs = result.logs.length === 0 && entry.logs.length > 0 ? entry.logs.slice(0, runCaps.maxLogLines) : result.logs;
      const answer: ShadowRunResult = {
        ...result,
        logs,
        progress: result.progress ?? entry.progress,
        outbound: [...entry.outbound],
        ...(shadow ? { captured: shadow.captured, capturedDropped: shadow.dropped } : {}),
      };
      return answer;
    } finally {
      jobs.delete(job.executionId);
      requestCounter.forget(job.executionId);
      // A timed-out or cancelled run's ctx works for the cleanup grace (its harness closes it
      // after the same time); any other run's key stops working at once.
      if (graceful) setTimeout(() => inflight.delete(job.executionId), runCaps.cleanupGraceMs);
      else inflight.delete(job.executionId);
    }
  }

  async function cancel(executionId: string, by: string): Promise<{ cancelled: boolean }> {
    const running = jobs.get(executionId);
    if (!running) return { cancelled: false };
    running.cancelledBy ??= by;
    const ran = { ...running.job, logKey: inflight.get(executionId)?.logKey ?? "" };
    const cancelled = await cancelExecution(platformLoader(loader, ran, exports), ran, options(running.key)).catch(() => false);
    return { cancelled };
  }

  return {
    run,
    live: async (executionId, after) => {
      const entry = inflight.get(executionId);
      return entry ? { running: true, logs: entry.logs.slice(after), progress: entry.progress } : noLive;
    },
    stats: async (): Promise<RunnerStats> => ({ shards: [], penalisedTenants: [] }),
    cancel,
  };
}
