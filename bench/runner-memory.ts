// Peak resident memory of every runner process against its memory tier, sampled from /proc
// every ~50 ms while the attacks run. RSS counts what the heap cap does not: ArrayBuffers,
// SharedArrayBuffers, Wasm memories, workerd's own allocations.
import { memAvailableMb, rssMb, scanProcesses, subtree } from "./proc.ts";
import { round } from "./stats.ts";

/** One entry of `GET /admin/api/runners` `shards`; `tierMb` and `owner` where the host says them. */
export interface RunnerShard {
  name: string;
  pid?: number;
  tierMb?: number;
  /** The memory limit the host enforces on the process, where it enforces one. */
  limitMb?: number;
  owner?: string | null;
  restarts?: number;
}

export interface RunnerPeak {
  name: string;
  owner: string;
  tierMb: number | null;
  peakRssMb: number;
  /** RssAnon at the RSS peak: the part the process allocated rather than mapped from files. */
  anonAtPeakMb: number;
  /** How far the peak went past the tier; null when the tier is unknown. */
  overTierMb: number | null;
  /** Every process that served under this name (a runner killed and restarted gets a new one). */
  pids: number[];
  samples: number;
}

interface Tracked {
  name: string;
  owner: string;
  tierMb: number | null;
  /** The processes whose RSS is the runner's: workerd, not the shell that supervises it. */
  members: number[];
}

// The host starts workerd under a small shell (and `nice` when penalised); their few MB are not
// the tenant's memory.
const wrappers = new Set(["sh", "dash", "bash", "cat", "nice"]);

/** The tier from the host's field, else from the name (`runner-128mb-t3`). */
function tierOf(shard: RunnerShard): number | null {
  if (typeof shard.tierMb === "number") return shard.tierMb;
  const m = /runner-(\d+)mb/.exec(shard.name);
  return m ? Number(m[1]) : null;
}

export interface RunnerMemoryOptions {
  listRunners: () => Promise<RunnerShard[]>;
  hostPid: number;
  /** Past this much RSS over all runners (or under 2 GB available), `onGuard` is called once. */
  guardMb: number;
  onGuard: (totalMb: number) => void;
  intervalMs?: number;
  refreshMs?: number;
}

export class RunnerMemory {
  readonly #o: RunnerMemoryOptions;
  #tracked = new Map<number, Tracked>();
  readonly #peaks = new Map<string, RunnerPeak>();
  #timer: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> | undefined;
  #lastRefresh = 0;
  #startedAt = 0;
  #stoppedAt = 0;
  #ticks = 0;
  #listErrors = 0;
  #peakTotalMb = 0;
  #guardTripped: { afterMs: number; totalMb: number } | undefined;

  constructor(options: RunnerMemoryOptions) {
    this.#o = options;
  }

  async start(): Promise<void> {
    await this.#refresh();
    this.#startedAt = performance.now();
    this.#timer = setInterval(() => this.#tick(), this.#o.intervalMs ?? 50);
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#stoppedAt = performance.now();
    await this.#refreshing;
  }

  peaks(): RunnerPeak[] {
    return [...this.#peaks.values()]
      .map((p) => ({
        ...p,
        peakRssMb: round(p.peakRssMb, 1),
        anonAtPeakMb: round(p.anonAtPeakMb, 1),
        overTierMb: p.tierMb === null ? null : round(p.peakRssMb - p.tierMb, 1),
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  summary() {
    const seconds = (this.#stoppedAt - this.#startedAt) / 1000;
    return {
      samples: this.#ticks,
      // Timers in this busy process slip; this says how often a sample was really taken.
      meanIntervalMs: this.#ticks ? round((seconds * 1000) / this.#ticks, 1) : null,
      peakTotalMb: round(this.#peakTotalMb, 1),
      runnerListErrors: this.#listErrors,
      guardTripped: this.#guardTripped ?? null,
    };
  }

  #tick(): void {
    this.#ticks++;
    let total = 0;
    let gone = false;
    for (const [pid, r] of this.#tracked) {
      let rss = 0;
      let anon = 0;
      let alive = false;
      for (const member of r.members) {
        const mb = rssMb(member);
        if (mb === undefined) gone = true;
        else {
          rss += mb.rss;
          anon += mb.anon;
          alive = true;
        }
      }
      if (!alive) continue;
      total += rss;
      let peak = this.#peaks.get(r.name);
      if (!peak)
        this.#peaks.set(
          r.name,
          (peak = { name: r.name, owner: r.owner, tierMb: r.tierMb, peakRssMb: 0, anonAtPeakMb: 0, overTierMb: null, pids: [], samples: 0 }),
        );
      peak.samples++;
      if (rss > peak.peakRssMb) {
        peak.peakRssMb = rss;
        peak.anonAtPeakMb = anon;
      }
      if (r.owner) peak.owner = r.owner;
      if (!peak.pids.includes(pid)) peak.pids.push(pid);
    }
    this.#peakTotalMb = Math.max(this.#peakTotalMb, total);
    if (!this.#guardTripped && (total > this.#o.guardMb || memAvailableMb() < 2048)) {
      this.#guardTripped = { afterMs: Math.round(performance.now() - this.#startedAt), totalMb: Math.round(total) };
      this.#o.onGuard(total);
    }
    // A runner that went away was likely killed and restarted under a new pid: look again soon.
    const now = performance.now();
    if ((gone && now - this.#lastRefresh > 200) || now - this.#lastRefresh > (this.#o.refreshMs ?? 1000)) void this.#refresh();
  }

  #refresh(): Promise<void> {
    this.#refreshing ??= this.#doRefresh().finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  async #doRefresh(): Promise<void> {
    this.#lastRefresh = performance.now();
    let shards: RunnerShard[] = [];
    try {
      shards = await this.#o.listRunners();
    } catch {
      this.#listErrors++;
    }
    const all = scanProcesses();
    const next = new Map<number, Tracked>();
    const covered = new Set<number>();
    for (const s of shards) {
      if (!s.pid || !all.has(s.pid)) continue;
      const tree = subtree(all, s.pid);
      for (const p of tree) covered.add(p.pid);
      const members = tree.filter((p) => !wrappers.has(p.comm)).map((p) => p.pid);
      next.set(s.pid, { name: s.name, owner: s.owner ?? "", tierMb: tierOf(s), members: members.length ? members : [s.pid] });
    }
    // Runners the list did not name (it failed, or one restarted since): found below the host
    // by the config file workerd was started with.
    for (const p of subtree(all, this.#o.hostPid)) {
      if (covered.has(p.pid) || wrappers.has(p.comm)) continue;
      const m = /(runner-[\w.-]+?)\.capnp/.exec(p.cmdline);
      if (m) next.set(p.pid, { name: m[1]!, owner: "", tierMb: tierOf({ name: m[1]! }), members: [p.pid] });
    }
    this.#tracked = next;
  }
}
