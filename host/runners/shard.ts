// One runner shard: a workerd process that runs scripts, and what is in flight in it.
// Open-source workerd has no CPU or memory limit, so limits become real here: an execution
// that holds the shard past its deadline gets the process killed, and every execution that was
// in it is told exactly what happened. The process is then started again at once.
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { LiveState, LogEntry, OutboundRecord, Progress, RunError, RunJob, RunResult } from "../../protocol/run.ts";
import { freePort } from "../free-port.ts";
import { postJson } from "../http-client.ts";
import type { HostLog } from "../log.ts";
import { WorkerdProcess } from "../workerd-process.ts";
import { writeRunnerConfig } from "../workerd-config.ts";

/** Where a runner's capabilities lead: the dispatcher (SDK calls) and the egress proxy. */
export interface RunnerLinks {
  dispatcherAddress: string;
  hostSecret: string;
  egressAddress: string;
  egressSecret: string;
}

export interface ShardOptions {
  name: string;
  links: RunnerLinks;
  bundle: string;
  configDir: string;
  heapMb: number;
  killGraceMs: number;
  marker: string;
  /** Asked at every (re)start: run the process at lower CPU priority? */
  nice(): boolean;
  log: HostLog;
  /** Told which tenants were in flight when the process died, and whether the cause is known. */
  onIncident(incident: Incident): void;
}

export interface Incident {
  cause: "timeout" | "memory" | "crash";
  /** The tenant certainly at fault, when the cause pins one execution. */
  culprit: string | undefined;
  tenantsInFlight: string[];
}

interface InFlight {
  job: RunJob;
  logs: LogEntry[];
  outbound: OutboundRecord[];
  progress: Progress | null;
  startedAt: number;
  /** The harness began running the script (its start line reached us). */
  started: boolean;
  deadline: number;
  settle(result: RunResult): void;
}

export class RunnerShard {
  readonly #o: ShardOptions;
  readonly #inflight = new Map<string, InFlight>();
  readonly #secret = randomBytes(24).toString("hex");
  #port = 0;
  #process: WorkerdProcess | undefined;
  #up: Promise<void> = Promise.resolve();
  #killedFor: string | undefined;
  #stopping = false;
  restarts = 0;
  /** The tenant this process belongs to; undefined for spares and shared overflow runners. */
  owner: string | undefined;

  constructor(options: ShardOptions) {
    this.#o = options;
  }

  get name(): string {
    return this.#o.name;
  }

  get running(): number {
    return this.#inflight.size;
  }

  get pid(): number | undefined {
    return this.#process?.pid;
  }

  async start(): Promise<void> {
    this.#port = await freePort();
    this.#up = this.#spawn();
    await this.#up;
  }

  async run(job: RunJob): Promise<RunResult> {
    const ready = await Promise.race([this.#up.then(() => true, () => false), sleep(10_000).then(() => false)]);
    if (!ready || this.#stopping) return unavailable("no runner is available right now; try again shortly");

    const startedAt = Date.now();
    let settle!: (r: RunResult) => void;
    const verdict = new Promise<RunResult>((resolve) => (settle = resolve));
    job = { ...job, logKey: randomBytes(9).toString("base64url") };
    const entry: InFlight = { job, logs: [], outbound: [], progress: null, startedAt, started: false, deadline: startedAt + job.timeoutMs, settle };
    this.#inflight.set(job.executionId, entry);
    const watchdog = setTimeout(() => this.#kill(job.executionId), job.timeoutMs + this.#o.killGraceMs);
    try {
      const call = postJson<RunResult>(this.#port, "/run", job, { "x-iota-runner-secret": this.#secret }).then(
        (result) => ({ result }),
        (error: Error) => ({ error }),
      );
      const first = await Promise.race([call, verdict.then((result) => ({ result }))]);
      if ("result" in first) {
        if (first.result.status === "timed_out" && first.result.logs.length === 0) {
          // The runner gave up on a script that awaits; its lines came through stdout.
          await sleep(20);
          return { ...first.result, logs: entry.logs, progress: entry.progress, outbound: entry.outbound };
        }
        return { ...first.result, outbound: entry.outbound };
      }
      // The call failed: most often because the process died, and the exit handler will
      // deliver the verdict. If it does not, the runner itself misbehaved.
      const late = await Promise.race([verdict, sleep(3000).then(() => undefined)]);
      return late ?? ended(entry, "interrupted", { code: "RUNNER_CRASHED", message: `the runner failed: ${first.error.message}` });
    } finally {
      clearTimeout(watchdog);
      this.#inflight.delete(job.executionId);
    }
  }

  /** Adds an outbound request the egress proxy saw to its execution, if it runs here. */
  recordOutbound(executionId: string, tenantId: string, record: OutboundRecord): boolean {
    const entry = this.#inflight.get(executionId);
    // A request is only ever filed under an execution of the tenant that made it.
    if (!entry || entry.job.tenantId !== tenantId) return false;
    if (entry.outbound.length < 200) entry.outbound.push(record);
    return true;
  }

  live(executionId: string, after: number): LiveState | undefined {
    const entry = this.#inflight.get(executionId);
    return entry && { running: true, logs: entry.logs.slice(after), progress: entry.progress };
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#process?.terminate();
  }

  #kill(executionId: string): void {
    if (this.#killedFor) return;
    this.#killedFor = executionId;
    this.#o.log.warn("runner.kill", { shard: this.name, executionId, reason: "deadline passed while the script held the runner" });
    void this.#process?.terminate();
  }

  async #spawn(): Promise<void> {
    const configFile = await writeRunnerConfig(this.#o.configDir, this.name, {
      bundle: this.#o.bundle,
      address: `127.0.0.1:${this.#port}`,
      marker: this.#o.marker,
      runnerSecret: this.#secret,
      heapMb: this.#o.heapMb,
      ...this.#o.links,
    });
    const prefix = `\u001e${this.#o.marker} `;
    this.#killedFor = undefined;
    this.#process = new WorkerdProcess({
      label: this.name,
      configFile,
      nice: this.#o.nice(),
      healthUrl: `http://127.0.0.1:${this.#port}/health`,
      onStdoutLine: (line) => {
        if (!line.startsWith(prefix)) return this.#o.log.debug("runner.stdout", { shard: this.name, line });
        const rest = line.slice(prefix.length);
        const space = rest.indexOf(" ");
        const [executionId, key] = rest.slice(0, space).split(".");
        const entry = this.#inflight.get(executionId ?? "");
        if (!entry || key !== entry.job.logKey) return;
        try {
          const data: unknown = JSON.parse(rest.slice(space + 2));
          const kind = rest[space + 1];
          if (kind === "P") entry.progress = data as Progress;
          else if (kind === "S") entry.started = true;
          else entry.logs.push(data as LogEntry);
        } catch {
          // a torn line from a process being killed: nothing to recover
        }
      },
      onStderrLine: (line) => this.#o.log.debug("runner.stderr", { shard: this.name, line }),
      onExit: (code, signal) => this.#onExit(code, signal),
    });
    await this.#process.start();
  }

  #onExit(code: number | null, signal: NodeJS.Signals | null): void {
    const outOfMemory = /heap limit|out of memory/i.test(this.#process?.recentStderr() ?? "");
    const now = Date.now();
    const victims = [...this.#inflight.values()];
    const killedFor = this.#killedFor;
    for (const entry of victims) {
      if (entry.job.executionId === killedFor || (now >= entry.deadline && !outOfMemory)) {
        entry.settle(ended(entry, "timed_out", { code: "TIMEOUT", message: `the script ran past its ${entry.job.timeoutMs} ms timeout and was stopped` }));
      } else if (outOfMemory && victims.length === 1) {
        entry.settle(ended(entry, "failed", { code: "MEMORY_LIMIT", message: `the script went past its memory limit (${this.#o.heapMb} MB) and was stopped` }));
      } else {
        const why = outOfMemory
          ? "an execution sharing its runner went past its memory limit"
          : killedFor
            ? "another execution sharing its runner had to be stopped"
            : `the runner process exited (code ${code}, signal ${signal})`;
        entry.settle(ended(entry, "interrupted", { code: "RUNNER_CRASHED", message: `interrupted: ${why}` }));
      }
    }
    const culpritEntry = killedFor ? victims.find((v) => v.job.executionId === killedFor) : outOfMemory && victims.length === 1 ? victims[0] : undefined;
    this.#o.onIncident({
      cause: killedFor ? "timeout" : outOfMemory ? "memory" : "crash",
      culprit: culpritEntry?.job.tenantId,
      tenantsInFlight: [...new Set(victims.map((v) => v.job.tenantId))],
    });
    if (this.#stopping) return;
    this.restarts++;
    this.#o.log.warn("runner.exit", { shard: this.name, code, signal, outOfMemory, interrupted: victims.length, restarts: this.restarts });
    this.#up = this.#spawn();
    this.#up.catch((error: Error) => this.#o.log.error("runner.restart_failed", { shard: this.name, error: error.message }));
  }
}

function ended(entry: InFlight, status: RunResult["status"], error: RunError): RunResult {
  const finished = Date.now();
  return {
    status,
    error,
    logs: entry.logs,
    progress: entry.progress,
    outbound: entry.outbound,
    startedAt: new Date(entry.startedAt).toISOString(),
    finishedAt: new Date(finished).toISOString(),
    durationMs: finished - entry.startedAt,
  };
}

function unavailable(message: string): RunResult {
  const now = new Date().toISOString();
  return { status: "interrupted", error: { code: "RUNNER_UNAVAILABLE", message }, logs: [], startedAt: now, finishedAt: now, durationMs: 0 };
}
