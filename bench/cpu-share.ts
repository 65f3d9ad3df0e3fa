// Who used the machine's CPU over a phase: the product's host, its dispatcher and its runners,
// this benchmark, everything else on the machine, and idle. Shares are of the machine's total
// (all cores, from /proc/stat), so "host 25%" on 2 cores is half a core.
import { machineTicks, processTicks, scanProcesses, subtree, type ProcInfo } from "./proc.ts";
import { round } from "./stats.ts";

const groups = ["host", "dispatcher", "runners", "bench"] as const;
type Group = (typeof groups)[number];

export interface CpuSnapshot {
  machine: { total: number; idle: number };
  ticks: Record<Group, number>;
}

/** The Node process System started (`node host/main.ts`): a child of this benchmark. */
export function findHostPid(): number {
  for (const p of scanProcesses().values()) if (p.ppid === process.pid && p.cmdline.includes("host/main.ts")) return p.pid;
  throw new Error("no host process (node host/main.ts) below this benchmark");
}

export function cpuSnapshot(hostPid: number): CpuSnapshot {
  const machine = machineTicks();
  const all = scanProcesses();
  const ticks: Record<Group, number> = { host: 0, dispatcher: 0, runners: 0, bench: processTicks(process.pid)?.own ?? 0 };
  const memo = new Map<number, Group>();
  // A process belongs to the dispatcher or a runner by its workerd config file, which the
  // wrapper shell's command line names too; helpers below those (the shell's `cat`) inherit it.
  const groupOf = (p: ProcInfo): Group => {
    if (p.pid === hostPid) return "host";
    let g = memo.get(p.pid);
    if (g) return g;
    const parent = all.get(p.ppid);
    g = p.cmdline.includes("dispatcher.capnp") ? "dispatcher" : /runner-/.test(p.cmdline) ? "runners" : parent ? groupOf(parent) : "host";
    memo.set(p.pid, g);
    return g;
  };
  for (const p of subtree(all, hostPid)) {
    if (p.pid === hostPid) {
      ticks.host += p.ownTicks;
      // Children the host has reaped: runners killed or restarted during the phase, whose CPU
      // would otherwise vanish from the count with their process.
      ticks.runners += p.reapedTicks;
    } else {
      ticks[groupOf(p)] += p.ownTicks + p.reapedTicks;
    }
  }
  return { machine, ticks };
}

/** Percent of the machine's CPU time between two snapshots, by group, plus elsewhere and idle. */
export function cpuShares(a: CpuSnapshot, b: CpuSnapshot): Record<Group | "elsewhere" | "idle", number> {
  const total = Math.max(1, b.machine.total - a.machine.total);
  const pct = (ticks: number) => round((100 * ticks) / total, 1);
  const used = Object.fromEntries(groups.map((g) => [g, b.ticks[g] - a.ticks[g]])) as Record<Group, number>;
  const idle = b.machine.idle - a.machine.idle;
  const ours = groups.reduce((sum, g) => sum + used[g], 0);
  return {
    host: pct(used.host),
    dispatcher: pct(used.dispatcher),
    runners: pct(used.runners),
    bench: pct(used.bench),
    // Other engineers' tests and anything else on the machine: what moves the latencies without
    // being the product's doing.
    elsewhere: pct(Math.max(0, total - idle - ours)),
    idle: pct(idle),
  };
}

/**
 * The host's share sampled every `intervalMs`, to report its worst one-second window besides
 * the phase average (a flood can hold the host for a second and still average low).
 */
export class HostCpuTrace {
  readonly #hostPid: number;
  readonly #samples: { at: number; host: number; total: number }[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(hostPid: number) {
    this.#hostPid = hostPid;
  }

  start(intervalMs = 50): void {
    this.#timer = setInterval(() => {
      const host = processTicks(this.#hostPid);
      if (host) this.#samples.push({ at: performance.now(), host: host.own, total: machineTicks().total });
    }, intervalMs);
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** The highest host share over any window of at least `windowMs`, in percent. */
  peakPercent(windowMs = 1000): number {
    let peak = 0;
    let j = 0;
    for (let i = 0; i < this.#samples.length; i++) {
      const end = this.#samples[i]!;
      while (j + 1 < i && end.at - this.#samples[j + 1]!.at >= windowMs) j++;
      const start = this.#samples[j]!;
      if (end.at - start.at < windowMs || end.total === start.total) continue;
      peak = Math.max(peak, (100 * (end.host - start.host)) / (end.total - start.total));
    }
    return round(peak, 1);
  }
}
