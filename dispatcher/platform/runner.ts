// How the dispatcher hands a job to a runner. Locally: the host's runner gateway, which owns
// the shards and their deadlines. On Cloudflare: the Worker Loader, in this same worker.
import { AppError } from "../../protocol/errors.ts";
import type { RunJob, RunResult } from "../../protocol/run.ts";
import type { Env } from "../env.ts";
import harnessSource from "virtual:harness-source";
import { execute } from "../../workers/runner/execute.ts";

export interface Runner {
  run(job: RunJob): Promise<RunResult>;
}

export function createRunner(env: Env): Runner {
  const host = env.HOST;
  const secret = env.HOST_SECRET;
  if (env.LOADER && !host) {
    // Deployed on Cloudflare: the platform enforces CPU and memory limits per isolate, so the
    // dispatcher loads scripts itself.
    const loader = env.LOADER;
    const marker = crypto.randomUUID();
    return { run: (job) => execute(loader, job, { harnessSource, marker, compatibilityDate: env.COMPATIBILITY_DATE ?? "2026-11-01" }) };
  }
  if (!host || !secret) {
    return {
      run: () => Promise.reject(new AppError("RUNNER_UNAVAILABLE", "no runner is configured for this deployment")),
    };
  }
  return {
    async run(job) {
      const response = await host.fetch("http://host/run", {
        method: "POST",
        headers: { "content-type": "application/json", "x-iota-host-secret": secret },
        body: JSON.stringify(job),
      });
      if (!response.ok) throw new AppError("RUNNER_UNAVAILABLE", `the runner gateway answered ${response.status}`);
      return (await response.json()) as RunResult;
    },
  };
}
