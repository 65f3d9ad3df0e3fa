// All runner shards, grouped by memory tier, with a quarantine shard per tier. Shards of the
// default tier start with the host; the others start the first time something is placed there.
import { randomBytes } from "node:crypto";
import type { LiveState, RunJob, RunResult } from "../../protocol/run.ts";
import type { HostLog } from "../log.ts";
import { Placement, type GroupKey } from "./placement.ts";
import { RunnerShard, type Incident } from "./shard.ts";

export interface RunnerPoolOptions {
  tiersMb: number[];
  defaultTierMb: number;
  shardsPerTier: number;
  quarantineMs: number;
  bundle: string;
  configDir: string;
  killGraceMs: number;
  log: HostLog;
}

export class RunnerPool {
  readonly #o: RunnerPoolOptions;
  readonly #marker = randomBytes(12).toString("hex");
  readonly #placement: Placement;
  readonly #groups = new Map<string, Promise<RunnerShard[]>>();
  readonly #shards: RunnerShard[] = [];
  #stopping = false;

  constructor(options: RunnerPoolOptions) {
    this.#o = options;
    this.#placement = new Placement({ tiersMb: options.tiersMb, shardsPerTier: options.shardsPerTier, quarantineMs: options.quarantineMs, strikeWindowMs: 10 * 60_000 });
  }

  get largestTierMb(): number {
    return this.#placement.largestTierMb;
  }

  async start(): Promise<void> {
    await this.#group({ tierMb: this.#placement.tierFor(this.#o.defaultTierMb), quarantine: false });
  }

  async run(job: RunJob): Promise<RunResult> {
    const { key, index } = this.#placement.place(job.tenantId, job.memoryMb);
    const shards = await this.#group(key);
    return shards[index]!.run(job);
  }

  live(executionId: string, after: number): LiveState {
    for (const shard of this.#shards) {
      const state = shard.live(executionId, after);
      if (state) return state;
    }
    return { running: false, logs: [], progress: null };
  }

  stats() {
    return {
      shards: this.#shards.map((s) => ({ name: s.name, pid: s.pid, running: s.running, restarts: s.restarts })),
      quarantinedTenants: this.#placement.quarantined(),
    };
  }

  async shutdown(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.#shards.map((s) => s.stop()));
  }

  #group(key: GroupKey): Promise<RunnerShard[]> {
    const id = `${key.tierMb}${key.quarantine ? "q" : ""}`;
    let group = this.#groups.get(id);
    if (!group) {
      group = this.#startGroup(key, id);
      this.#groups.set(id, group);
      // A group that failed to start is forgotten, so the next execution tries again.
      group.catch(() => this.#groups.delete(id));
    }
    return group;
  }

  async #startGroup(key: GroupKey, id: string): Promise<RunnerShard[]> {
    if (this.#stopping) throw new Error("the runner pool is stopping");
    const shards = Array.from({ length: this.#placement.shardsIn(key) }, (_, i) => {
      const shard = new RunnerShard({
        name: `runner-${id}-${i}`,
        bundle: this.#o.bundle,
        configDir: this.#o.configDir,
        heapMb: key.tierMb,
        killGraceMs: this.#o.killGraceMs,
        marker: this.#marker,
        nice: key.quarantine,
        log: this.#o.log,
        onIncident: (incident) => this.#onIncident(shard, incident),
      });
      this.#shards.push(shard);
      return shard;
    });
    await Promise.all(shards.map((s) => s.start()));
    return shards;
  }

  #onIncident(shard: RunnerShard, incident: Incident): void {
    if (incident.culprit) {
      this.#placement.convict(incident.culprit);
      this.#o.log.warn("runner.quarantine", { shard: shard.name, tenantId: incident.culprit, cause: incident.cause });
      return;
    }
    if (incident.tenantsInFlight.length === 0) return;
    for (const tenantId of incident.tenantsInFlight) {
      if (this.#placement.suspect(tenantId)) this.#o.log.warn("runner.quarantine", { shard: shard.name, tenantId, cause: `${incident.cause}, second strike` });
    }
  }
}
