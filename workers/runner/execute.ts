// Runs one job in the tenant's isolate through the Worker Loader. Used by a runner shard
// locally, and usable by the dispatcher itself where the platform enforces CPU limits.
import type { RunResult } from "../../protocol/run.ts";
import type { ShadowJob } from "../../protocol/shadow.ts";
import type { HarnessJob, HarnessResult, StreamOpener } from "../sandbox/job.ts";

export interface ExecuteOptions {
  harnessSource: string;
  marker: string;
  compatibilityDate: string;
  /** The key this job's harness proves its SDK calls and fetches with (see runningExecutions). */
  capabilityKey?: string;
  /**
   * What the tenant's isolate may reach; nothing (no SDK, no network) when absent. `shadow`: the
   * isolate runs a draft being tried, whose capabilities capture writes instead of making them.
   */
  capabilities?: (tenant: { tenantId: string; tenantSlug: string; shadow: boolean }) => { env: Record<string, unknown>; globalOutbound: Fetcher | null };
  /**
   * Whether a failed call to the harness was the platform refusing the isolate itself: the
   * result then says ISOLATE_REFUSED, which nothing a script does can produce (its errors come
   * back as the harness's answer, never as the call failing).
   */
  refusedAtLoad?: (error: unknown) => boolean;
}

// No node compatibility layer: scripts get web standards only. `nodejs_als` gives the harness
// per-execution log capture without exposing process, Buffer or node:fs.
const sandboxFlags = ["no_nodejs_compat", "no_nodejs_compat_v2", "nodejs_als"];
const harnessAnswerMs = 250;

type HarnessStub = { run(job: HarnessJob, open?: StreamOpener): Promise<HarnessResult>; cancel(executionId: string, key: string): Promise<boolean> };

/** The harness of the job's isolate, loaded if it is not. */
function harnessFor(loader: WorkerLoader, job: ShadowJob, options: ExecuteOptions): HarnessStub {
  const shadow = job.shadow === true;
  // Keyed by tenant and code hash: a new version gets a new isolate, and two tenants never
  // share one even when their code is identical. A shadow run gets an isolate of its own even
  // for the live code: its capabilities are made once per isolate, and a live run must never
  // share module state with a draft.
  const worker = loader.get(`${job.tenantId}:${job.codeHash}${shadow ? ":shadow" : ""}`, () => {
    const caps = options.capabilities?.({ tenantId: job.tenantId, tenantSlug: job.tenantSlug, shadow }) ?? { env: {}, globalOutbound: null };
    return {
      compatibilityDate: options.compatibilityDate,
      compatibilityFlags: sandboxFlags,
      mainModule: "harness.js",
      modules: { "harness.js": options.harnessSource, "script.js": job.code },
      env: caps.env,
      globalOutbound: caps.globalOutbound,
    };
  });
  return worker.getEntrypoint() as unknown as HarnessStub;
}

/**
 * Asks the harness running `job` to cancel it: its signal aborts and it answers CANCELLED.
 * Called from a request of its own, since a stub works only in the request that made it.
 */
export function cancelExecution(loader: WorkerLoader, job: ShadowJob, options: ExecuteOptions): Promise<boolean> {
  return harnessFor(loader, job, options).cancel(job.executionId, options.capabilityKey ?? "");
}

/**
 * Runs `job` and resolves with its result. With `open` (and `job.stream`), an HTTP answer whose
 * body is still being written is handed to `open` as it starts (its head and its body), and the
 * result comes when that body has ended or was cut: an execution lasts as long as its answer.
 */
export async function execute(loader: WorkerLoader, job: ShadowJob, options: ExecuteOptions, open?: StreamOpener): Promise<RunResult> {
  const started = Date.now();
  const deadline = started + job.timeoutMs;
  const harness = harnessFor(loader, job, options);
  const { code: _code, codeHash: _hash, memoryMb: _memory, shadow: _shadow, ...rest } = job;
  const harnessJob: HarnessJob = {
    ...rest,
    logKey: job.logKey ?? "",
    capabilityKey: options.capabilityKey ?? "",
    marker: options.marker,
    deadline: new Date(deadline).toISOString(),
  };

  // The harness answers a script that is still awaiting at its deadline itself, with its logs;
  // this is for one that cannot answer (the isolate is held), whose lines the host has from stdout.
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), job.timeoutMs + harnessAnswerMs);
  });
  let outcome: HarnessResult | "timeout";
  try {
    outcome = await Promise.race([job.stream === true && open ? harness.run(harnessJob, open) : harness.run(harnessJob), timedOut]);
  } catch (e) {
    // The isolate gave up on the call itself (process.exit, a load failure of the harness).
    const code = options.refusedAtLoad?.(e) ? "ISOLATE_REFUSED" : "SCRIPT_ERROR";
    outcome = { ok: false, error: { code, message: e instanceof Error ? e.message : String(e) }, logs: [], progress: null };
  } finally {
    clearTimeout(timer);
  }
  const finished = Date.now();
  const times = { startedAt: new Date(started).toISOString(), finishedAt: new Date(finished).toISOString(), durationMs: finished - started };
  const timeoutError = { code: "TIMEOUT", message: `the script ran past its ${job.timeoutMs} ms timeout` } as const;
  if (outcome === "timeout") {
    // Logs are not returned here: the host has them from the process's stdout.
    return { status: "timed_out", error: timeoutError, logs: [], ...times };
  }
  if (finished >= deadline) {
    // It finished, but only after the deadline (typically by reacting to ctx.signal): the
    // outcome must not depend on which timer fired first.
    return {
      status: "timed_out",
      error: timeoutError,
      // A streamed answer cut at the deadline: how far it got.
      ...(outcome.response?.streamed && outcome.output !== undefined ? { output: outcome.output, response: outcome.response } : {}),
      logs: outcome.logs,
      progress: outcome.progress,
      ...times,
    };
  }
  return {
    status: outcome.ok ? "succeeded" : outcome.error?.code === "CANCELLED" ? "cancelled" : "failed",
    ...(outcome.output !== undefined ? { output: outcome.output } : {}),
    ...(outcome.response ? { response: outcome.response } : {}),
    ...(outcome.error ? { error: outcome.error } : {}),
    logs: outcome.logs,
    progress: outcome.progress,
    ...times,
  };
}
