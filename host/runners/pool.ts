// All runner processes. A process belongs to one tenant and memory tier, always: no tenant's
// code ever shares a process with another tenant's, because the process is the unit the
// kernel limits and the host kills. Up to a cap of processes, least recently used idle ones are
// stopped to make room; when none can be had the run is refused as RUNNER_BUSY (sync callers
// get 503 with Retry-After, async work waits in the database). A warm spare per tier lets a
// tenant's first run start without waiting for a process.
import { randomBytes } from "node:crypto";
import type { LiveState, OutboundRecord, RunJob, RunResult } from "../../protocol/run.ts";
import type { Containment } from "../containment/index.ts";
import type { HostLog } from "../log.ts";
import { Placement } from "./placement.ts";
import { RunnerShard, type Incident, type RunnerLinks } from "./shard.ts";
import { cancelledError, ended } from "./verdicts.ts";

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
  /** Runs placed here and not yet finished (including ones still waiting for the start). */
  pending: number;
}

/** How often every runner's CPU is sampled for work left running. */
const sampleEveryMs = 250;

export class RunnerPool {
  readonly #o: RunnerPoolOptions;
  readonly #marker = randomBytes(12).toString("hex");
  readonly #placement: Placement;
  readonly #assigned = new Map<string, Assigned>();
  readonly #spares = new Map<number, { shard: RunnerShard; started: Promise<void> }>();
  readonly #all = new Set<RunnerShard>();
  /** Runs waiting for their process to start, with who cancelled them if someone did. */
  readonly #starting = new Map<string, { cancelledBy?: string }>();
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

  async run(job: RunJob): Promise<RunResult> {
    const tier = this.#placement.tierFor(job.memoryMb);
    const key = `${job.tenantId}:${tier}`;
    let assigned = this.#assigned.get(key);
    if (!assigned && (this.#assigned.size < this.#o.maxProcesses || this.#evictIdle())) {
      assigned = this.#assign(key, job.tenantId, tier);
    }
    if (!assigned) return busy(this.#o.maxProcesses);
    assigned.pending++;
    assigned.lastUsed = Date.now();
    assigned.shard.penalise(this.#placement.isPenalised(job.tenantId));
    const starting: { cancelledBy?: string } = {};
    this.#starting.set(job.executionId, starting);
    try {
      try {
        await assigned.started;
      } finally {
        this.#starting.delete(job.executionId);
      }
      if (starting.cancelledBy !== undefined) return ended(Date.now(), "cancelled", cancelledError({ started: false, cancelledBy: starting.cancelledBy }));
      return await assigned.shard.run(job);
    } finally {
      assigned.pending--;
      assigned.lastUsed = Date.now();
    }
  }

  /** Cancels an execution this host runs, for `by` (see RunnerShard.cancel): false when it has none such. */
  cancel(executionId: string, by: string): boolean {
    for (const shard of this.#all) if (shard.cancel(executionId, by)) return true;
    // Still waiting for its process to start: it will not be started.
    const starting = this.#starting.get(executionId);
    if (starting) starting.cancelledBy ??= by;
    return starting !== undefined;
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
    const assigned: Assigned = { shard, started, lastUsed: Date.now(), pending: 0 };
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
      if (entry[1].pending > 0 || entry[1].shard.running > 0) continue;
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
    });
    this.#all.add(shard);
    return { shard, started: shard.start() };
  }

  #onIncident(shard: RunnerShard, incident: Incident): void {
    if (!incident.culprit) return;
    this.#placement.penalise(incident.culprit);
    shard.penalise(true);
    this.#o.log.warn("runner.penalised", { shard: shard.name, tenantId: incident.culprit, cause: incident.cause });
    if (incident.cause === "background" && incident.lastEnded) this.#o.onLeftoverWork?.(incident.culprit, incident.lastEnded);
  }
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
