// One runner: a workerd process that runs one tenant's scripts, and what is in flight in it.
// Open-source workerd has no CPU or memory limit, so limits become real here: the process sits
// in a resource group of its own (host/containment), an execution that holds it past its
// deadline gets it killed, so does work a script left running after its execution ended, and
// every execution that was in it gets a verdict saying exactly what happened. The process then
// starts again. Jobs come from the dispatcher straight to the process; this side learns of them
// from the process's stdout (a J line when one begins, E when it ends) and never carries them.
import { randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { LiveState, OutboundRecord, RunResult } from "../../protocol/run.ts";
import type { Group } from "../containment/index.ts";
import { residentBytes, runnableMillis } from "../containment/proc.ts";
import { freePort } from "../free-port.ts";
import { postJson } from "../http-client.ts";
import type { HostLog } from "../log.ts";
import { WorkerdProcess } from "../workerd-process.ts";
import { writeRunnerConfig } from "../workerd-config.ts";
import { attribute, ended, type Cause, type InFlight } from "./verdicts.ts";
import { readRunnerLine } from "./stdout.ts";

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
  /** The process's resource group: memory limit, CPU weight. */
  group: Group;
  log: HostLog;
  /** Told why the process died, which tenant is to blame, and which executions were near. */
  onIncident(incident: Incident): void;
  /** Told what became of an execution the dispatcher could not hear from (its process died, or it was given up on). */
  onVerdict(executionId: string, result: RunResult | "again"): void;
  /** Who cancelled an execution before it reached its runner, if someone did. */
  cancelledEarly(executionId: string): string | undefined;
  /** Told when a job begins here: the process is in use. */
  onBegan?(shard: RunnerShard): void;
  /** Told when an execution is over here, however it ended. */
  onEnded?(executionId: string): void;
}

export interface Incident {
  cause: Cause;
  /** The tenant at fault, when the cause pins it (always the owner: one tenant per process). */
  culprit: string | undefined;
  /** For work left running: the execution that ended here last before it was found. */
  lastEnded: string | undefined;
}

/**
 * A process with no execution of its own running, whose JavaScript thread stays runnable (on a
 * core or waiting for one) this share of the time for this long, is running work left behind.
 */
export const leftoverWork = { busyShare: 0.8, forMs: 1000, afterEndMs: 1000 };

export class RunnerShard {
  readonly #o: ShardOptions;
  readonly #inflight = new Map<string, InFlight>();
  /** Each in-flight execution's deadline kill. */
  readonly #watchdogs = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #secret = randomBytes(24).toString("hex");
  #port = 0;
  #process: WorkerdProcess | undefined;
  #up: Promise<void> = Promise.resolve();
  #killed: { cause: Exclude<Cause, "crash">; executionId?: string } | undefined;
  #oomKillsAtSpawn = 0;
  #quietSince = 0;
  /** The execution that ended here last: the likely author of work found running afterwards. */
  #lastEnded: string | undefined;
  #cpu = { at: 0, ms: 0, busyForMs: 0 };
  #penalised = false;
  #stopping = false;
  restarts = 0;
  readonly #lines = {
    find: (id: string) => this.#inflight.get(id),
    began: (id: string, key: string, job: { tenantId: string; timeoutMs: number }) => this.#began(id, key, job),
    ended: (id: string, keep: boolean) => this.#endedLine(id, keep),
  };
  /** The tenant this process belongs to; undefined for a spare. */
  owner: string | undefined;

  constructor(options: ShardOptions) {
    this.#o = options;
  }

  get name(): string {
    return this.#o.name;
  }

  get tierMb(): number {
    return this.#o.heapMb;
  }

  get running(): number {
    return this.#inflight.size;
  }

  /** Whether an execution is in flight here (its J line came, its E line not yet). */
  has(executionId: string): boolean {
    return this.#inflight.has(executionId);
  }

  /** False while a kill this host asked for has not yet ended in the process's exit. */
  get settled(): boolean {
    return this.#killed === undefined;
  }

  get pid(): number | undefined {
    return this.#process?.pid;
  }

  get residentMb(): number | undefined {
    const pid = this.pid;
    const bytes = pid === undefined ? undefined : residentBytes(pid);
    return bytes === undefined ? undefined : Math.round(bytes / 1048576);
  }

  async start(): Promise<void> {
    this.#port = await freePort();
    this.#up = this.#spawn();
    await this.#up;
  }

  /** A penalised tenant's process gets a small CPU share, so repeat offences cannot starve others. */
  penalise(on: boolean): void {
    if (on === this.#penalised) return;
    this.#penalised = on;
    this.#o.group.setPenalised(on, this.pid);
  }

  /** Where the dispatcher sends this process's jobs, and the secret they must carry. */
  get endpoint(): { port: number; secret: string } {
    return { port: this.#port, secret: this.#secret };
  }

  /** True once the process is up to take jobs (false if it could not be had within 10 s). */
  async ready(): Promise<boolean> {
    const up = await Promise.race([
      this.#up.then(
        () => true,
        () => false,
      ),
      sleep(10_000).then(() => false),
    ]);
    return up && !this.#stopping;
  }

  /**
   * Cancels an execution running here, for `by`: false when it does not run here. Its harness
   * aborts its signal and answers; one that cannot (its script holds the process) is stopped
   * like a timed-out one after the same grace, without penalising its tenant.
   */
  cancel(executionId: string, by: string): boolean {
    const entry = this.#inflight.get(executionId);
    if (!entry) return false;
    if (entry.cancelledBy !== undefined) return true;
    entry.cancelledBy = by;
    this.#o.log.info("runner.cancel", { shard: this.name, tenantId: this.owner, executionId, by });
    postJson(this.#port, "/cancel", { executionId, by }, { "x-iota-runner-secret": this.#secret }).catch(() => undefined);
    setTimeout(() => {
      if (this.#inflight.get(executionId) === entry) this.#kill("cancel", executionId);
    }, this.#o.killGraceMs).unref();
    return true;
  }

  /** A job began here (its J line): its deadline is armed from now. */
  #began(executionId: string, logKey: string, job: { tenantId: string; timeoutMs: number }): void {
    if (this.#killed || this.#inflight.has(executionId)) return;
    // Only the owner's jobs run here (the runner refuses others); a line claiming another tenant
    // is not believed.
    if (this.owner !== undefined && job.tenantId !== this.owner) return;
    const now = Date.now();
    const timeoutMs = Math.max(1, Math.min(job.timeoutMs, 15 * 60_000));
    const entry: InFlight = {
      job: { executionId, tenantId: job.tenantId, timeoutMs, logKey },
      logs: [],
      outbound: [],
      progress: null,
      startedAt: now,
      started: false,
      deadline: now + timeoutMs,
      settle: (result) => this.#o.onVerdict(executionId, result),
    };
    this.#inflight.set(executionId, entry);
    this.#watchdogs.set(
      executionId,
      setTimeout(() => this.#kill("timeout", executionId), timeoutMs + this.#o.killGraceMs),
    );
    this.#o.onBegan?.(this);
    const cancelledBy = this.#o.cancelledEarly(executionId);
    if (cancelledBy !== undefined) this.cancel(executionId, cancelledBy);
  }

  /** A job ended here (its E line). One given up on while its isolate was held leaves its lines for the dispatcher. */
  #endedLine(executionId: string, keepLogs: boolean): void {
    const entry = this.#inflight.get(executionId);
    if (!entry) return;
    this.#forget(executionId);
    if (keepLogs)
      entry.settle(ended(entry.startedAt, "timed_out", { code: "TIMEOUT", message: `the script ran past its ${entry.job.timeoutMs} ms timeout` }, entry));
  }

  #forget(executionId: string): void {
    clearTimeout(this.#watchdogs.get(executionId));
    this.#watchdogs.delete(executionId);
    this.#inflight.delete(executionId);
    this.#ended(executionId);
    this.#o.onEnded?.(executionId);
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

  /**
   * Called every few hundred ms by the pool: a process that stays busy while none of its
   * executions is running is running work a script left behind (waitUntil, timers, promise
   * chains). Nothing may outlive its execution, so the process is stopped. Busy means runnable,
   * not on-CPU: a penalised process on a loaded machine gets little CPU but is never idle.
   */
  sample(now: number): void {
    const pid = this.pid;
    if (pid === undefined || this.#killed || this.#stopping) return;
    const ms = runnableMillis(pid);
    if (ms === undefined) return;
    const window = now - this.#cpu.at;
    const used = ms - this.#cpu.ms;
    const first = this.#cpu.at === 0;
    this.#cpu.at = now;
    this.#cpu.ms = ms;
    if (first || window <= 0) return;
    const ownWork = [...this.#inflight.values()].some((e) => e.started);
    const idle = !ownWork && now >= this.#quietSince + leftoverWork.afterEndMs;
    this.#cpu.busyForMs = idle && used >= window * leftoverWork.busyShare ? this.#cpu.busyForMs + window : 0;
    if (this.#cpu.busyForMs >= leftoverWork.forMs) this.#kill("background");
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#process?.terminate();
    this.#o.group.remove();
  }

  #ended(executionId: string): void {
    this.#quietSince = Date.now();
    this.#lastEnded = executionId;
  }

  #kill(cause: Exclude<Cause, "crash">, executionId?: string): void {
    if (this.#killed) return;
    this.#killed = { cause, executionId };
    const reason = {
      timeout: "deadline passed while the script held the runner",
      cancel: "the script was cancelled and still held the runner after its grace",
      background: "the runner kept a core busy with no execution running: work a script left behind",
      memory: "the runner went past its memory limit",
    }[cause];
    this.#o.log.warn("runner.kill", { shard: this.name, tenantId: this.owner, executionId, reason });
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
    this.#killed = undefined;
    this.#oomKillsAtSpawn = this.#o.group.oomKills();
    this.#cpu = { at: 0, ms: 0, busyForMs: 0 };
    this.#quietSince = Date.now();
    const process = new WorkerdProcess({
      label: this.name,
      configFile,
      joinGroups: this.#o.group.procsFiles,
      healthUrl: `http://127.0.0.1:${this.#port}/health`,
      onStdoutLine: (line) => {
        const read = readRunnerLine(line, this.#o.marker, this.#lines);
        if (!read) this.#o.log.debug("runner.stdout", { shard: this.name, line });
      },
      onStderrLine: (line) => this.#o.log.debug("runner.stderr", { shard: this.name, line }),
      onExit: (code, signal) => this.#onExit(code, signal),
    });
    this.#process = process;
    await process.start();
    if (process.pid !== undefined) {
      this.#o.group.watch(process.pid, () => this.#kill("memory"));
      if (this.#penalised) this.#o.group.setPenalised(true, process.pid);
    }
  }

  #onExit(code: number | null, signal: NodeJS.Signals | null): void {
    const heapLimit = /heap limit|out of memory/i.test(this.#process?.recentStderr() ?? "");
    const kernelOom = this.#o.group.oomKills() > this.#oomKillsAtSpawn;
    const killed = this.#killed;
    const cause: Cause = killed?.cause ?? (heapLimit || kernelOom ? "memory" : "crash");
    const victims = [...this.#inflight.values()];
    for (const [entry, outcome] of attribute(victims, cause, killed?.executionId, this.#o.heapMb)) entry.settle(outcome);
    for (const entry of victims) this.#forget(entry.job.executionId);
    this.#o.onIncident({
      cause,
      // Nobody misbehaved when a cancelled script had to be stopped: its tenant is not penalised.
      culprit: cause === "crash" || cause === "cancel" ? undefined : this.owner,
      lastEnded: cause === "background" ? this.#lastEnded : undefined,
    });
    if (this.#stopping) return;
    this.restarts++;
    this.#o.log.warn("runner.exit", {
      shard: this.name,
      tenantId: this.owner,
      code,
      signal,
      cause,
      kernelOom,
      heapLimit,
      inFlight: victims.length,
      restarts: this.restarts,
    });
    this.#up = this.#spawn();
    this.#up.catch((error: Error) => this.#o.log.error("runner.restart_failed", { shard: this.name, error: error.message }));
  }
}
