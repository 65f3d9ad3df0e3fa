// All runner processes. A process belongs to one tenant and memory tier, always: no tenant's
// code ever shares a process with another tenant's, because the process is the unit the
// kernel limits and the host kills. Up to a cap of processes, least recently used idle ones are
// stopped to make room; when none can be had the run is refused as RUNNER_BUSY (sync callers
// get 503 with Retry-After, async work waits in the database). A warm spare per tier lets a
// tenant's first run start without waiting for a process.
import { randomBytes } from "node:crypto";
import type { LiveState, OutboundRecord, RunResult } from "../../protocol/run.ts";
import type { Containment } from "../containment/index.ts";
import type { HostLog } from "../log.ts";
import { Placement } from "./placement.ts";
import { RunnerShard, type Incident, type RunnerLinks } from "./shard.ts";
import { setTimeout as sleep } from "node:timers/promises";

export interface RunnerPoolOptions {
  tiersMb: number[];
  defaultTierMb: number;
  /** Most tenant processes at once. */
  maxProcesses: number;
  /** What a process may hold beyond its tier's heap: workerd itself, buffers, Wasm memory. */
  memoryHeadroomMb: number;
  penaltyMs: number;
  bundle: string;
  configDir: string;
  killGraceMs: number;
  links: RunnerLinks;
  containment: Containment;
  log: HostLog;
  /** Told when a process was stopped for work a script left running, with the likely execution. */
  onLeftoverWork?: (tenantId: string, executionId: string) => void;
}

interface Assigned {
  shard: RunnerShard;
  started: Promise<void>;
  lastUsed: number;
}

/** Where a tenant's jobs go: the runner's loopback port and the secret it asks for. */
export interface Placed {
  port: number;
  secret: string;
  shard: string;
}

/** How long a placement handed out keeps its process from being stopped as idle: the job may be on its way. */
const placedGraceMs = 2000;
/** How long the dispatcher may wait for an execution's verdict. */
const verdictWaitMs = 3000;
/** How long verdicts and early cancels are kept for someone to collect. */
const verdictKeptMs = 60_000;
const cancelKeptMs = 60_000;

/** How often every runner's CPU is sampled for work left running. */
const sampleEveryMs = 250;

export class RunnerPool {
  readonly #o: RunnerPoolOptions;
  readonly #marker = randomBytes(12).toString("hex");
  readonly #placement: Placement;
  readonly #assigned = new Map<string, Assigned>();
  readonly #spares = new Map<number, { shard: RunnerShard; started: Promise<void> }>();
  readonly #all = new Set<RunnerShard>();
  readonly #endListeners: ((executionId: string) => void)[] = [];
  readonly #verdicts = new Map<string, { result: RunResult | "again"; at: number }>();
  /** Cancels that came before their execution reached its runner, with who cancelled. */
  readonly #cancelledEarly = new Map<string, { value: string; at: number }>();
  readonly #sampler: ReturnType<typeof setInterval>;
  #serial = 0;
  #stopping = false;

  constructor(options: RunnerPoolOptions) {
    this.#o = options;
    this.#placement = new Placement({ tiersMb: options.tiersMb, penaltyMs: options.penaltyMs });
    this.#sampler = setInterval(() => {
      const now = Date.now();
      for (const shard of this.#all) shard.sample(now);
    }, sampleEveryMs);
    this.#sampler.unref();
  }

  get largestTierMb(): number {
    return this.#placement.largestTierMb;
  }

  async start(): Promise<void> {
    await this.#spare(this.#placement.tierFor(this.#o.defaultTierMb)).started;
  }

  /**
   * The tenant's process for a job of `memoryMb`, started if need be: where the dispatcher sends
   * the job itself. RUNNER_BUSY when no process can be had.
   */
  async place(tenantId: string, memoryMb: number): Promise<Placed | { busy: RunResult }> {
    const tier = this.#placement.tierFor(memoryMb);
    const key = `${tenantId}:${tier}`;
    let assigned = this.#assigned.get(key);
    if (!assigned && (this.#assigned.size < this.#o.maxProcesses || this.#evictIdle())) {
      assigned = this.#assign(key, tenantId, tier);
    }
    if (!assigned) return { busy: busy(this.#o.maxProcesses) };
    this.#touch(assigned);
    assigned.shard.penalise(this.#placement.isPenalised(tenantId));
    await assigned.started.catch(() => undefined);
    if (!(await assigned.shard.ready())) return { busy: unavailable("no runner is available right now; try again shortly") };
    this.#touch(assigned);
    return { ...assigned.shard.endpoint, shard: assigned.shard.name };
  }

  /**
   * What became of an execution the dispatcher could not hear from: its verdict once the host
   * has it (its process died, or it was given up on with its lines here), "again" when it
   * never reached a process (run it again), or a failure when neither comes within a few seconds.
   */
  async verdict(executionId: string): Promise<RunResult | "again"> {
    const until = Date.now() + verdictWaitMs;
    for (;;) {
      const known = this.#verdicts.get(executionId);
      if (known) {
        this.#verdicts.delete(executionId);
        return known.result;
      }
      const running = [...this.#all].some((s) => s.has(executionId));
      // Never seen by any process of ours, and none is dying with it: it never started.
      if (!running && [...this.#all].every((s) => s.settled)) return "again";
      if (Date.now() >= until) return unavailable("the runner stopped answering; the execution's outcome is unknown");
      await sleep(20);
    }
  }

  /** Tells `listener` of every execution that ends in one of these processes. */
  onRunEnd(listener: (executionId: string) => void): void {
    this.#endListeners.push(listener);
  }

  /** Cancels an execution this host runs, for `by` (see RunnerShard.cancel): false when it has none such yet. */
  cancel(executionId: string, by: string): boolean {
    for (const shard of this.#all) if (shard.cancel(executionId, by)) return true;
    // On its way to its runner: it is cancelled as soon as it begins there.
    this.#prune(this.#cancelledEarly, cancelKeptMs);
    if (!this.#cancelledEarly.has(executionId)) this.#cancelledEarly.set(executionId, { value: by, at: Date.now() });
    return false;
  }
  recordOutbound(executionId: string, tenantId: string, record: OutboundRecord): void {
    for (const shard of this.#all) if (shard.recordOutbound(executionId, tenantId, record)) return;
  }

  live(executionId: string, after: number): LiveState {
    for (const shard of this.#all) {
      const state = shard.live(executionId, after);
      if (state) return state;
    }
    return { running: false, logs: [], progress: null };
  }

  stats() {
    return {
      containment: this.#o.containment.kind,
      maxProcesses: this.#o.maxProcesses,
      shards: [...this.#all].map((s) => ({
        name: s.name,
        pid: s.pid,
        owner: s.owner,
        tierMb: s.tierMb,
        limitMb: s.tierMb + this.#o.memoryHeadroomMb,
        residentMb: s.residentMb,
        running: s.running,
        restarts: s.restarts,
      })),
      penalisedTenants: this.#placement.penalised(),
    };
  }

  async shutdown(): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#sampler);
    await Promise.all([...this.#all].map((s) => s.stop()));
  }

  #assign(key: string, tenantId: string, tier: number): Assigned {
    const spare = this.#spares.get(tier);
    this.#spares.delete(tier);
    const { shard, started } = spare ?? this.#newShard(tier);
    shard.owner = tenantId;
    const assigned: Assigned = { shard, started, lastUsed: Date.now() };
    this.#assigned.set(key, assigned);
    // The next new tenant of this tier gets a process that is already up.
    if (!this.#stopping) this.#spare(tier);
    started.catch(() => {
      if (this.#assigned.get(key) !== assigned) return;
      this.#assigned.delete(key);
      this.#all.delete(shard);
    });
    return assigned;
  }

  #spare(tier: number): { shard: RunnerShard; started: Promise<void> } {
    let spare = this.#spares.get(tier);
    if (!spare) {
      spare = this.#newShard(tier);
      this.#spares.set(tier, spare);
      const shard = spare.shard;
      spare.started.catch((error: Error) => {
        this.#spares.delete(tier);
        this.#all.delete(shard);
        this.#o.log.error("runner.spare_failed", { tier, error: error.message });
      });
    }
    return spare;
  }

  /** Stops the least recently used tenant process with nothing in flight; false if none. */
  #evictIdle(): boolean {
    let victim: [string, Assigned] | undefined;
    for (const entry of this.#assigned) {
      if (entry[1].shard.running > 0 || Date.now() - entry[1].lastUsed < placedGraceMs) continue;
      if (!victim || entry[1].lastUsed < victim[1].lastUsed) victim = entry;
    }
    if (!victim) return false;
    this.#assigned.delete(victim[0]);
    this.#all.delete(victim[1].shard);
    void victim[1].shard.stop();
    return true;
  }

  #newShard(tier: number): { shard: RunnerShard; started: Promise<void> } {
    const name = `runner-${tier}mb-t${++this.#serial}`;
    const shard: RunnerShard = new RunnerShard({
      name,
      links: this.#o.links,
      bundle: this.#o.bundle,
      configDir: this.#o.configDir,
      heapMb: tier,
      killGraceMs: this.#o.killGraceMs,
      marker: this.#marker,
      group: this.#o.containment.group(name, { memoryBytes: (tier + this.#o.memoryHeadroomMb) * 1048576 }),
      log: this.#o.log,
      onIncident: (incident) => this.#onIncident(shard, incident),
      onVerdict: (executionId, result) => {
        this.#prune(this.#verdicts, verdictKeptMs);
        this.#verdicts.set(executionId, { result, at: Date.now() });
      },
      cancelledEarly: (executionId) => {
        const early = this.#cancelledEarly.get(executionId);
        this.#cancelledEarly.delete(executionId);
        return early?.value;
      },
      onEnded: (executionId) => {
        for (const listener of this.#endListeners) listener(executionId);
      },
      onBegan: (began) => {
        const owner = began.owner && this.#assigned.get(`${began.owner}:${began.tierMb}`);
        if (owner) this.#touch(owner);
      },
    });
    this.#all.add(shard);
    return { shard, started: shard.start() };
  }

  #touch(assigned: Assigned): void {
    assigned.lastUsed = Date.now();
  }

  /** Drops entries older than `keptMs` (the oldest come first in a Map). */
  #prune<T extends { at: number }>(map: Map<string, T>, keptMs: number): void {
    const before = Date.now() - keptMs;
    for (const [key, value] of map) {
      if (value.at >= before) break;
      map.delete(key);
    }
  }

  #onIncident(shard: RunnerShard, incident: Incident): void {
    if (!incident.culprit) return;
    this.#placement.penalise(incident.culprit);
    shard.penalise(true);
    this.#o.log.warn("runner.penalised", { shard: shard.name, tenantId: incident.culprit, cause: incident.cause });
    if (incident.cause === "background" && incident.lastEnded) this.#o.onLeftoverWork?.(incident.culprit, incident.lastEnded);
  }
}

function unavailable(message: string): RunResult {
  const now = new Date().toISOString();
  return { status: "interrupted", error: { code: "RUNNER_UNAVAILABLE", message }, logs: [], startedAt: now, finishedAt: now, durationMs: 0 };
}

function busy(maxProcesses: number): RunResult {
  const now = new Date().toISOString();
  return {
    status: "interrupted",
    error: {
      code: "RUNNER_BUSY",
      message: `no runner process is free for this tenant: all ${maxProcesses} are running other tenants' scripts; try again shortly`,
    },
    logs: [],
    startedAt: now,
    finishedAt: now,
    durationMs: 0,
  };
}
