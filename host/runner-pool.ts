// The runner shards: separate workerd processes that run scripts. Open-source workerd has no
// CPU or memory limit, so this is where limits become real: an execution that holds its shard
// past its deadline gets the shard killed and restarted, and whatever was running there is told
// exactly what happened to it.
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { LiveState, LogEntry, Progress, RunError, RunJob, RunResult } from "../protocol/run.ts";
import { freePort } from "./free-port.ts";
import { postJson } from "./http-client.ts";
import type { HostLog } from "./log.ts";
import { WorkerdProcess } from "./workerd-process.ts";
import { writeRunnerConfig } from "./workerd-config.ts";

export interface RunnerPoolOptions {
  shards: number;
  bundle: string;
  configDir: string;
  heapMb: number;
  killGraceMs: number;
  log: HostLog;
}

interface InFlight {
  job: RunJob;
  logs: LogEntry[];
  progress: Progress | null;
  startedAt: number;
  deadline: number;
  settle(result: RunResult): void;
}

interface Shard {
  index: number;
  port: number;
  process: WorkerdProcess;
  inflight: Map<string, InFlight>;
  up: Promise<void>;
  restarts: number;
  /** Why the host killed this shard, when it did. */
  killedFor: string | undefined;
}

/** Spreads tenants over shards by a stable hash, so one tenant's runaway stops one shard only. */
export function shardIndex(tenantId: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < tenantId.length; i++) {
    hash ^= tenantId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % shards;
}

export class RunnerPool {
  readonly #o: RunnerPoolOptions;
  readonly #marker = randomBytes(12).toString("hex");
  readonly #shards: Shard[] = [];
  #stopping = false;

  constructor(options: RunnerPoolOptions) {
    this.#o = options;
  }

  async start(): Promise<void> {
    for (let index = 0; index < this.#o.shards; index++) {
      const port = await freePort();
      const shard: Shard = { index, port, process: undefined!, inflight: new Map(), up: Promise.resolve(), restarts: 0, killedFor: undefined };
      this.#shards.push(shard);
    }
    await Promise.all(this.#shards.map((s) => this.#spawn(s)));
  }

  stats() {
    return this.#shards.map((s) => ({ index: s.index, pid: s.process.pid, running: s.inflight.size, restarts: s.restarts }));
  }

  async run(job: RunJob): Promise<RunResult> {
    const shard = this.#shards[shardIndex(job.tenantId, this.#shards.length)]!;
    const ready = await Promise.race([shard.up.then(() => true), sleep(10_000).then(() => false)]);
    if (!ready || this.#stopping) return unavailable("no runner is available right now; try again shortly");

    const startedAt = Date.now();
    let settle!: (r: RunResult) => void;
    const verdict = new Promise<RunResult>((resolve) => (settle = resolve));
    const entry: InFlight = { job, logs: [], progress: null, startedAt, deadline: startedAt + job.timeoutMs, settle };
    shard.inflight.set(job.executionId, entry);
    const watchdog = setTimeout(() => this.#kill(shard, job.executionId), job.timeoutMs + this.#o.killGraceMs);
    try {
      const call = postJson<RunResult>(shard.port, "/run", job).then(
        (result) => ({ result }),
        (error: Error) => ({ error }),
      );
      const first = await Promise.race([call, verdict.then((result) => ({ result }))]);
      if ("result" in first) {
        if (first.result.status === "timed_out" && first.result.logs.length === 0) {
          // The runner gave up on a script that awaits; its lines came through stdout.
          await sleep(20);
          return { ...first.result, logs: entry.logs };
        }
        return first.result;
      }
      // The call failed: most often because the process died, and the exit handler will
      // deliver the verdict. If it does not, the runner itself misbehaved.
      const late = await Promise.race([verdict, sleep(3000).then(() => undefined)]);
      return late ?? interrupted(entry, { code: "RUNNER_CRASHED", message: `the runner failed: ${first.error.message}` });
    } finally {
      clearTimeout(watchdog);
      shard.inflight.delete(job.executionId);
    }
  }

  /** What an execution running here has written so far; `running: false` once it is not here. */
  live(executionId: string, after: number): LiveState {
    for (const shard of this.#shards) {
      const entry = shard.inflight.get(executionId);
      if (entry) return { running: true, logs: entry.logs.slice(after), progress: entry.progress };
    }
    return { running: false, logs: [], progress: null };
  }

  async shutdown(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.#shards.map((s) => s.process?.terminate()));
  }

  #kill(shard: Shard, executionId: string): void {
    if (shard.killedFor) return;
    shard.killedFor = executionId;
    this.#o.log.warn("runner.kill", { shard: shard.index, executionId, reason: "deadline passed while the script held the runner" });
    void shard.process.terminate();
  }

  async #spawn(shard: Shard): Promise<void> {
    const name = `runner-${shard.index}`;
    const configFile = await writeRunnerConfig(this.#o.configDir, name, {
      bundle: this.#o.bundle,
      address: `127.0.0.1:${shard.port}`,
      marker: this.#marker,
      heapMb: this.#o.heapMb,
    });
    const prefix = `\u001e${this.#marker} `;
    shard.killedFor = undefined;
    shard.process = new WorkerdProcess({
      label: name,
      configFile,
      healthUrl: `http://127.0.0.1:${shard.port}/health`,
      onStdoutLine: (line) => {
        if (!line.startsWith(prefix)) return this.#o.log.debug("runner.stdout", { shard: shard.index, line });
        const rest = line.slice(prefix.length);
        const space = rest.indexOf(" ");
        const entry = shard.inflight.get(rest.slice(0, space));
        if (!entry) return;
        try {
          const data: unknown = JSON.parse(rest.slice(space + 2));
          if (rest[space + 1] === "P") entry.progress = data as Progress;
          else entry.logs.push(data as LogEntry);
        } catch {
          // a torn line from a process being killed: nothing to recover
        }
      },
      onStderrLine: (line) => this.#o.log.debug("runner.stderr", { shard: shard.index, line }),
      onExit: (code, signal) => this.#onExit(shard, code, signal),
    });
    shard.up = shard.process.start();
    await shard.up;
  }

  #onExit(shard: Shard, code: number | null, signal: NodeJS.Signals | null): void {
    const stderr = shard.process.recentStderr();
    const outOfMemory = /heap limit|out of memory/i.test(stderr);
    const now = Date.now();
    const victims = [...shard.inflight.values()];
    for (const entry of victims) {
      if (entry.job.executionId === shard.killedFor || (now >= entry.deadline && !outOfMemory)) {
        entry.settle(ended(entry, "timed_out", { code: "TIMEOUT", message: `the script ran past its ${entry.job.timeoutMs} ms timeout and was stopped` }));
      } else if (outOfMemory && victims.length === 1) {
        entry.settle(ended(entry, "failed", { code: "MEMORY_LIMIT", message: `the script went past the memory limit (${this.#o.heapMb} MB) and was stopped` }));
      } else {
        const why = outOfMemory
          ? "an execution sharing its runner went past the memory limit"
          : shard.killedFor
            ? "another execution sharing its runner had to be stopped"
            : `the runner process exited (code ${code}, signal ${signal})`;
        entry.settle(interrupted(entry, { code: "RUNNER_CRASHED", message: `interrupted: ${why}` }));
      }
    }
    if (this.#stopping) return;
    shard.restarts++;
    this.#o.log.warn("runner.exit", { shard: shard.index, code, signal, outOfMemory, interrupted: victims.length, restarts: shard.restarts });
    this.#spawn(shard).catch((error: Error) => this.#o.log.error("runner.restart_failed", { shard: shard.index, error: error.message }));
  }
}

function ended(entry: InFlight, status: RunResult["status"], error: RunError): RunResult {
  const finished = Date.now();
  return {
    status,
    error,
    logs: entry.logs,
    progress: entry.progress,
    startedAt: new Date(entry.startedAt).toISOString(),
    finishedAt: new Date(finished).toISOString(),
    durationMs: finished - entry.startedAt,
  };
}

function interrupted(entry: InFlight, error: RunError): RunResult {
  return ended(entry, "interrupted", error);
}

function unavailable(message: string): RunResult {
  const now = new Date().toISOString();
  return { status: "interrupted", error: { code: "RUNNER_UNAVAILABLE", message }, logs: [], startedAt: now, finishedAt: now, durationMs: 0 };
}
