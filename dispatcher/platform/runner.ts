// How the dispatcher hands a job to a runner. Locally: straight to the tenant's runner process
// (the host places it, arms its deadline from the process's own stdout and kills it if need
// be, but carries no job). On Cloudflare: the Worker Loader, in this same worker.
import { AppError } from "../../protocol/errors.ts";
import { fromBase64, streamHeadHeader, type ResponseEnvelope } from "../../protocol/http-envelope.ts";
import type { LiveState, RunJob, RunResult } from "../../protocol/run.ts";
import type { Env } from "../env.ts";
import type { CancelAnswer, LivePeer } from "../../protocol/live-peers.ts";
import { exports } from "cloudflare:workers";
import { relay, streamedOutcome, streamTaker, type StreamedAnswer } from "./answer-stream.ts";
import { createCloudflareRunner, type CloudflareExports } from "./cloudflare/runner.ts";

export interface Runner {
  run(job: RunJob): Promise<RunResult>;
  /**
   * Logs and progress of a running execution, from line `after` on; not every runner has them.
   * `peer`: the run is on that other host sharing the database, which this one asks for them.
   */
  live(executionId: string, after: number, peer?: LivePeer): Promise<LiveState>;
  /** The runner processes and penalised tenants, for operators; empty where not applicable. */
  stats(): Promise<RunnerStats>;
  /**
   * Stops a running execution for `by` (who cancelled it): `cancelled` when a runner has it and
   * will end it as cancelled. `peer`: the run is on that other host sharing the database, which
   * this one asks to stop it (`unreachable` when it did not answer). Absent where running
   * executions cannot be stopped from outside.
   */
  cancel?(executionId: string, by: string, peer?: LivePeer): Promise<CancelAnswer>;
}

export interface RunnerStats {
  /** How runner processes are bounded: cgroup-v1, cgroup-v2 or watchdog (absent where the platform does it). */
  containment?: string;
  maxProcesses?: number;
  /** One per process; `owner` is the tenant it belongs to (none for a warm spare). */
  shards: { name: string; pid?: number; owner?: string; tierMb?: number; limitMb?: number; residentMb?: number; running: number; restarts: number }[];
  penalisedTenants: string[];
  egressRefusals?: number;
}

/** How long before the host is asked again when it did not answer at all. */
const hostRetryMs = 100;

const noStats = async (): Promise<RunnerStats> => ({ shards: [], penalisedTenants: [] });

const noLiveState = async (): Promise<LiveState> => ({ running: false, logs: [], progress: null });

export function createRunner(env: Env): Runner {
  const host = env.HOST;
  const secret = env.HOST_SECRET;
  if (env.LOADER && !host) {
    // Deployed on Cloudflare: the platform enforces CPU and memory limits per isolate, so the
    // dispatcher loads scripts itself, with capabilities of its own (dispatcher/platform/cloudflare).
    return createCloudflareRunner({ ...env, LOADER: env.LOADER }, exports as unknown as CloudflareExports);
  }
  if (!host || !secret || !env.RUNNERS) {
    return {
      run: () => Promise.reject(new AppError("RUNNER_UNAVAILABLE", "no runner is configured for this deployment")),
      live: noLiveState,
      stats: noStats,
    };
  }
  const supervisor = host;
  const runners = env.RUNNERS;
  async function call<T>(path: string, body: unknown): Promise<T> {
    const ask = () =>
      supervisor.fetch(`http://host${path}`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-iota-host-secret": secret! },
        body: JSON.stringify(body),
      });
    let response: Response;
    try {
      response = await ask().catch(async () => {
        // Once more, on a fresh connection: a kept-alive one the host closed fails this way too.
        await new Promise((resolve) => setTimeout(resolve, hostRetryMs));
        return ask();
      });
    } catch (e) {
      // No answer at all: the host is gone, and this process goes with it. What it was running
      // is not ours to close: the host's restart knows what happened (HOST_RESTARTED).
      throw new AppError("HOST_GONE", `the host stopped answering (${(e as Error).message})`, { cause: e });
    }
    if (!response.ok) throw new AppError("RUNNER_UNAVAILABLE", `the runner supervisor answered ${response.status}`);
    return (await response.json()) as T;
  }
  return {
    run: (job) => runDirect(job, runners, call),
    live: (executionId, after, peer) => call<LiveState>("/live", { executionId, after, peer }),
    stats: () => call<RunnerStats>("/stats", {}),
    cancel: (executionId, by, peer) => call<CancelAnswer>("/cancel", { executionId, by, peer }),
  };
}

type HostCall = <T>(path: string, body: unknown) => Promise<T>;
type Placed = { port: number; secret: string; shard: string } | { busy: RunResult };

/**
 * Where each tenant's runner is, per isolate, for a moment: asking the host costs a round trip
 * that most calls skip. A stale entry is harmless: a stopped process refuses the connection, and
 * a process that took over its port has another secret (403) or another owner (409); either way
 * the job never ran, and the host is asked again.
 */
const placements = new Map<string, { placed: Placed; until: number }>();
const placementTtlMs = 2000;
/** How many times a job that never got to run (its process went, or was another's) is sent again. */
const maxStarts = 3;

const placementKey = (job: RunJob) => `${job.tenantId}:${job.memoryMb}`;

/** An execution that ended without its runner's answer, from `startedAt` until now. */
function interrupted(startedAt: number, message: string): RunResult {
  return {
    status: "interrupted",
    error: { code: "RUNNER_CRASHED", message },
    logs: [],
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: new Date().toISOString(),
    durationMs: Date.now() - startedAt,
  };
}

async function place(job: RunJob, call: HostCall, fresh: boolean): Promise<Placed> {
  const key = placementKey(job);
  const known = placements.get(key);
  if (known && !fresh && known.until > Date.now()) return known.placed;
  const placed = await call<Placed>("/place", { tenantId: job.tenantId, memoryMb: job.memoryMb });
  if ("busy" in placed) placements.delete(key);
  else placements.set(key, { placed, until: Date.now() + placementTtlMs });
  return placed;
}

/**
 * Relays a streamed answer from the runner to the caller, then fetches the run's result from the
 * runner (`POST /result`, which waits for the execution to be over; with `stop` when the caller
 * went away, so it ends now). A process that died under it is answered for by the host.
 */
async function relayStreamed(
  job: RunJob,
  placed: { port: number; secret: string },
  body: ReadableStream<Uint8Array>,
  encodedHead: string,
  take: (answer: StreamedAnswer) => void,
  runners: Fetcher,
  call: HostCall,
): Promise<RunResult> {
  let head: ResponseEnvelope;
  try {
    head = JSON.parse(new TextDecoder().decode(fromBase64(encodedHead))) as ResponseEnvelope;
  } catch {
    head = { status: 500, headers: [], body: null, bodyEncoding: "utf8" };
  }
  const ask = (stop?: string) =>
    runners
      .fetch(`http://127.0.0.1:${placed.port}/result`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-iota-runner-secret": placed.secret },
        body: JSON.stringify({ executionId: job.executionId, ...(stop ? { stop } : {}) }),
      })
      .then(async (r): Promise<RunResult | undefined> => {
        if (r.ok) return (await r.json()) as RunResult;
        await r.body?.cancel();
        return undefined;
      });
  // Told as soon as the caller is gone, so the script stops writing for no one.
  let stopped: Promise<RunResult | undefined> | undefined;
  const relayed = await relay(body, head, take, () => {
    stopped = ask("its caller, who disconnected").catch(() => undefined);
  });
  if (relayed.overCap) stopped ??= ask("the platform: its answer passed the response cap").catch(() => undefined);
  let result = await (stopped ?? ask().catch(() => undefined));
  if (!result) {
    const verdict = await call<RunResult | "again">("/verdict", { executionId: job.executionId }).catch(() => "again" as const);
    result = verdict !== "again" ? verdict : interrupted(Date.now(), "the runner stopped while the answer was streamed");
  }
  return streamedOutcome(result, head, relayed);
}

/**
 * Sends a job straight to its tenant's runner process and returns its result. When the process
 * cannot answer (killed at the deadline, out of memory, crashed), the host, which watched it
 * die, says what became of the job; one that never began there runs again, in its own time.
 */
async function runDirect(job: RunJob, runners: Fetcher, call: HostCall): Promise<RunResult> {
  const firstStart = Date.now();
  const deadline = firstStart + job.timeoutMs;
  // A caller that takes a streamed answer (an HTTP endpoint's): the runner may answer with one.
  const take = streamTaker(job.executionId);
  let attempt: RunJob = take ? { ...job, stream: true } : job;
  for (let start = 1; ; start++) {
    const placed = await place(attempt, call, start > 1);
    if ("busy" in placed) return placed.busy;
    let outcome: RunResult | "again" | undefined;
    try {
      const response = await runners.fetch(`http://127.0.0.1:${placed.port}/run`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-iota-runner-secret": placed.secret },
        body: JSON.stringify(attempt),
      });
      const head = response.ok ? response.headers.get(streamHeadHeader) : null;
      if (head !== null && take && response.body) {
        const result = await relayStreamed(job, placed, response.body, head, take, runners, call);
        return { ...result, startedAt: new Date(firstStart).toISOString(), durationMs: Date.now() - firstStart };
      }
      if (response.ok) outcome = (await response.json()) as RunResult;
      else if (response.status === 403 || response.status === 409) {
        // Not this job's process any more: it never ran there.
        await response.body?.cancel();
        outcome = "again";
      } else await response.body?.cancel();
    } catch {
      // the connection failed or broke: the host knows why
    }
    if (outcome === undefined) outcome = await call<RunResult | "again">("/verdict", { executionId: job.executionId });
    else if (outcome !== "again" && outcome.status === "timed_out" && outcome.logs.length === 0) {
      // Given up on while its isolate was held: its lines reached only the host.
      const kept = await call<RunResult | "again">("/verdict", { executionId: job.executionId }).catch(() => "again" as const);
      if (kept !== "again") outcome = { ...outcome, logs: kept.logs, progress: kept.progress ?? outcome.progress ?? null };
    }
    if (outcome !== "again") {
      const finished = Date.parse(outcome.finishedAt);
      return { ...outcome, startedAt: new Date(firstStart).toISOString(), durationMs: Number.isFinite(finished) ? finished - firstStart : outcome.durationMs };
    }
    placements.delete(placementKey(job));
    const remaining = deadline - Date.now();
    if (start >= maxStarts || remaining < 100)
      return interrupted(firstStart, "interrupted: the runner was held by work another execution of this tenant left running, and was stopped");
    // Sent again in what is left of its time, still asking for a streamed answer if it did.
    attempt = { ...attempt, timeoutMs: remaining };
  }
}
