// How a runner process's memory and CPU are bounded by the kernel rather than by the isolate:
// a V8 heap cap misses ArrayBuffers, SharedArrayBuffers and Wasm memories, and open-source
// workerd enforces no limit at all. Each runner process gets a group of its own: cgroup v1 or
// v2 where this host may create one, else a watchdog over /proc that kills past the limit.
import { readFileSync } from "node:fs";
import { CgroupV1 } from "./cgroup-v1.ts";
import { CgroupV2 } from "./cgroup-v2.ts";
import { ProcWatchdog } from "./watchdog.ts";

export type ContainmentKind = "cgroup-v1" | "cgroup-v2" | "watchdog";

export interface GroupLimits {
  /** Everything the process holds: heap, ArrayBuffers, Wasm memories, workerd itself. */
  memoryBytes: number;
}

/** One runner process's group. */
export interface Group {
  /** cgroup.procs files the runner's launcher joins before it starts workerd (none: watchdog). */
  readonly procsFiles: string[];
  /** Lower (or restore) the process's CPU weight against the other runners. */
  setPenalised(penalised: boolean, pid: number | undefined): void;
  /** How many times the kernel killed a process of this group for memory (cgroups only). */
  oomKills(): number;
  /** Start watching `pid` (the watchdog kills it past its limit; cgroups need nothing). */
  watch(pid: number, onMemoryKill: () => void): void;
  remove(): void;
}

export interface Containment {
  readonly kind: ContainmentKind;
  /** One line for the start-up banner: what bounds a runner. */
  describe(): string;
  group(name: string, limits: GroupLimits): Group;
  close(): void;
}

/**
 * Picks the strongest enforcement this machine allows, unless `IOTA_CONTAINMENT` names one
 * (`cgroup-v1`, `cgroup-v2`, `watchdog`); a named one that is not available is an error, so an
 * operator never believes in a limit that is not there.
 */
export function openContainment(requested: string | undefined, hostTag: string): Containment {
  const want = requested && requested !== "auto" ? requested : undefined;
  if (want && !["cgroup-v1", "cgroup-v2", "watchdog"].includes(want)) {
    throw new Error(`IOTA_CONTAINMENT must be auto, cgroup-v1, cgroup-v2 or watchdog, got ${JSON.stringify(requested)}`);
  }
  const own = ownCgroups();
  if (!want || want === "cgroup-v1") {
    const v1 = CgroupV1.open(own, hostTag);
    if (v1) return v1;
    if (want) throw new Error("IOTA_CONTAINMENT=cgroup-v1, but the cgroup v1 memory and cpu controllers are not writable here");
  }
  if (!want || want === "cgroup-v2") {
    const v2 = CgroupV2.open(own, hostTag);
    if (v2) return v2;
    if (want) throw new Error("IOTA_CONTAINMENT=cgroup-v2, but no cgroup v2 hierarchy with the memory and cpu controllers is writable here");
  }
  return new ProcWatchdog();
}

/** controller name (or "" for the v2 hierarchy) -> this process's group path, from /proc/self/cgroup. */
function ownCgroups(): Map<string, string> {
  const groups = new Map<string, string>();
  let text = "";
  try {
    text = readFileSync("/proc/self/cgroup", "utf8");
  } catch {
    return groups;
  }
  for (const line of text.split("\n")) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    if (path === undefined) continue;
    for (const c of (controllers ?? "").split(",")) groups.set(c, path);
  }
  return groups;
}
