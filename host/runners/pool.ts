// All runner processes: one per active tenant and memory tier (up to a cap, least recently used
// idle ones stopped to make room), overflow runners shared by hash when all are busy, and a
// warm spare so a tenant's first run does not wait for a process to start.
import { randomBytes } from "node:crypto";
import type { LiveState, OutboundRecord, RunJob, RunResult } from "../../protocol/run.ts";
import type { HostLog } from "../log.ts";
import { hashIndex, Placement } from "./placement.ts";
import { RunnerShard, type Incident, type RunnerLinks } from "./shard.ts";

export interface RunnerPoolOptions {
  tiersMb: number[];
  defaultTierMb: number;
  /** Most tenant processes at once; beyond, busy tenants share overflow runners. */
  maxProcesses: number;
  overflowShards: number;
  penaltyMs: number;
  bundle: string;
  configDir: string;
  killGraceMs: number;
  links: RunnerLinks;
  log: HostLog;
}

interface Assigned {
  shard: RunnerShard;
  started: Promise<void>;
  lastUsed: number;
  /** Runs placed here and not yet finished (including ones still waiting for the start). */
  pending: number;
}

export class RunnerPool {
  readonly #o: RunnerPoolOptions;
  readonly #marker = randomBytes(12).toString("hex");
  readonly #placement: Placement;
  readonly #assigned = new Map<string, Assigned>();
  readonly #overflow = new Map<number, Promise<RunnerShard[]>>();
  readonly #spares = new Map<number, { shard: RunnerShard; started: Promise<void> }>();
  readonly #all = new Set<RunnerShard>();
  #serial = 0;
  #stopping = false;

  constructor(options: RunnerPoolOptions) {
    this.#o = options;
    this.#placement = new Placement({ tiersMb: options.tiersMb, penaltyMs: options.penaltyMs });
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
    if (!assigned) {
      const overflow = await this.#overflowGroup(tier);
      return overflow[hashIndex(job.tenantId, overflow.length)]!.run(job);
    }
    assigned.pending++;
    assigned.lastUsed = Date.now();
    try {
      await assigned.started;
      return await assigned.shard.run(job);
    } finally {
      assigned.pending--;
      assigned.lastUsed = Date.now();
    }
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
      shards: [...this.#all].map((s) => ({ name: s.name, pid: s.pid, running: s.running, restarts: s.restarts })),
      penalisedTenants: this.#placement.penalised(),
    };
  }

  async shutdown(): Promise<void> {
    this.#stopping = true;
    await Promise.all([...this.#all].map((s) => s.stop()));
  }

  #assign(key: string, tenantId: string, tier: number): Assigned {
    const spare = this.#spares.get(tier);
    this.#spares.delete(tier);
    const { shard, started } = spare ?? this.#newShard(tier, `t${++this.#serial}`);
    shard.owner = tenantId;
    const assigned: Assigned = { shard, started, lastUsed: Date.now(), pending: 0 };
    this.#assigned.set(key, assigned);
    // The next new tenant of this tier gets a process that is already up.
    if (!this.#stopping) this.#spare(tier);
    started.catch(() => this.#assigned.get(key) === assigned && this.#assigned.delete(key));
    return assigned;
  }

  #spare(tier: number): { shard: RunnerShard; started: Promise<void> } {
    let spare = this.#spares.get(tier);
    if (!spare) {
      spare = this.#newShard(tier, `t${++this.#serial}`);
      this.#spares.set(tier, spare);
      spare.started.catch((error: Error) => {
        this.#spares.delete(tier);
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

  #overflowGroup(tier: number): Promise<RunnerShard[]> {
    let group = this.#overflow.get(tier);
    if (!group) {
      const shards = Array.from({ length: this.#o.overflowShards }, (_, i) => this.#newShard(tier, `shared${i}`));
      group = Promise.all(shards.map((s) => s.started)).then(() => shards.map((s) => s.shard));
      this.#overflow.set(tier, group);
      group.catch(() => this.#overflow.delete(tier));
    }
    return group;
  }

  #newShard(tier: number, label: string): { shard: RunnerShard; started: Promise<void> } {
    const shard: RunnerShard = new RunnerShard({
      name: `runner-${tier}mb-${label}`,
      links: this.#o.links,
      bundle: this.#o.bundle,
      configDir: this.#o.configDir,
      heapMb: tier,
      killGraceMs: this.#o.killGraceMs,
      marker: this.#marker,
      nice: () => shard.owner !== undefined && this.#placement.isPenalised(shard.owner),
      log: this.#o.log,
      onIncident: (incident) => this.#onIncident(shard, incident),
    });
    this.#all.add(shard);
    return { shard, started: shard.start() };
  }

  #onIncident(shard: RunnerShard, incident: Incident): void {
    if (!incident.culprit) return;
    this.#placement.penalise(incident.culprit);
    this.#o.log.warn("runner.penalised", { shard: shard.name, tenantId: incident.culprit, cause: incident.cause });
  }
}
