// How the dispatcher hands a job to a runner. Locally: the host's runner gateway, which owns
// the shards and their deadlines. On Cloudflare: the Worker Loader, in this same worker.
import { AppError } from "../../protocol/errors.ts";
import type { LiveState, RunJob, RunResult } from "../../protocol/run.ts";
import type { Env } from "../env.ts";
import harnessSource from "virtual:harness-source";
import { execute } from "../../workers/runner/execute.ts";

export interface Runner {
  run(job: RunJob): Promise<RunResult>;
  /** Logs and progress of a running execution, from line `after` on; not every runner has them. */
  live(executionId: string, after: number): Promise<LiveState>;
  /** The runner processes and penalised tenants, for operators; empty where not applicable. */
  stats(): Promise<RunnerStats>;
  /**
   * Stops a running execution for `by` (who cancelled it): true when a runner has it and will
   * end it as cancelled. Absent where running executions cannot be stopped from outside.
   */
  cancel?(executionId: string, by: string): Promise<boolean>;
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

const noStats = async (): Promise<RunnerStats> => ({ shards: [], penalisedTenants: [] });

const noLiveState = async (): Promise<LiveState> => ({ running: false, logs: [], progress: null });

export function createRunner(env: Env): Runner {
  const host = env.HOST;
  const secret = env.HOST_SECRET;
  if (env.LOADER && !host) {
    // Deployed on Cloudflare: the platform enforces CPU and memory limits per isolate, so the
    // dispatcher loads scripts itself.
    const loader = env.LOADER;
    const marker = crypto.randomUUID();
    return {
      run: (job) => execute(loader, job, { harnessSource, marker, compatibilityDate: env.COMPATIBILITY_DATE ?? "2026-11-01" }),
      live: noLiveState,
      stats: noStats,
    };
  }
  if (!host || !secret) {
    return {
      run: () => Promise.reject(new AppError("RUNNER_UNAVAILABLE", "no runner is configured for this deployment")),
      live: noLiveState,
      stats: noStats,
    };
  }
  async function call<T>(path: string, body: unknown): Promise<T> {
    const response = await host!.fetch(`http://host${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-iota-host-secret": secret! },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new AppError("RUNNER_UNAVAILABLE", `the runner gateway answered ${response.status}`);
    return (await response.json()) as T;
  }
  return {
    run: (job) => call<RunResult>("/run", job),
    live: (executionId, after) => call<LiveState>("/live", { executionId, after }),
    stats: () => call<RunnerStats>("/stats", {}),
    cancel: (executionId, by) => call<{ cancelled: boolean }>("/cancel", { executionId, by }).then((r) => r.cancelled),
  };
}
