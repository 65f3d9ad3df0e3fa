// cgroup v1: a `memory` and a `cpu` group per runner process, below the host's own groups (so
// the runners stay inside whatever limits the host itself runs under). The kernel OOM-kills the
// process at its memory limit, whatever holds the memory.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Containment, Group, GroupLimits } from "./index.ts";
import { removeStaleGroups, tryWrite } from "./files.ts";

const root = "/sys/fs/cgroup";
const normalShares = 1024;
const penalisedShares = 64;

export class CgroupV1 implements Containment {
  readonly kind = "cgroup-v1" as const;
  readonly #memory: string;
  readonly #cpu: string;

  private constructor(memory: string, cpu: string) {
    this.#memory = memory;
    this.#cpu = cpu;
  }

  static open(own: Map<string, string>, hostTag: string): CgroupV1 | undefined {
    const memoryBase = join(root, "memory", own.get("memory") ?? "/");
    const cpuBase = join(root, "cpu", own.get("cpu") ?? own.get("cpu,cpuacct") ?? "/");
    if (!existsSync(join(memoryBase, "memory.limit_in_bytes")) || !existsSync(join(cpuBase, "cpu.shares"))) return undefined;
    // A host killed without cleaning up leaves its (empty) groups behind; they go now.
    removeStaleGroups(memoryBase);
    removeStaleGroups(cpuBase);
    const memory = join(memoryBase, `iota-scripts-${hostTag}`);
    const cpu = join(cpuBase, `iota-scripts-${hostTag}`);
    try {
      mkdirSync(memory, { recursive: true });
      mkdirSync(cpu, { recursive: true });
      // Hierarchical accounting, so the limits below hold for everything a runner starts.
      tryWrite(join(memory, "memory.use_hierarchy"), "1");
      const probe = join(memory, "probe");
      mkdirSync(probe);
      writeFileSync(join(probe, "memory.limit_in_bytes"), String(64 << 20));
      rmdirSync(probe);
    } catch {
      return undefined;
    }
    return new CgroupV1(memory, cpu);
  }

  describe(): string {
    return "cgroup v1: each runner process has its own memory limit (heap, ArrayBuffers, Wasm) and CPU share";
  }

  group(name: string, limits: GroupLimits): Group {
    const memory = join(this.#memory, name);
    const cpu = join(this.#cpu, name);
    mkdirSync(memory, { recursive: true });
    mkdirSync(cpu, { recursive: true });
    writeFileSync(join(memory, "memory.limit_in_bytes"), String(limits.memoryBytes));
    // No swap here to hide in; where there is, the limit holds for memory and swap together.
    tryWrite(join(memory, "memory.memsw.limit_in_bytes"), String(limits.memoryBytes));
    tryWrite(join(memory, "memory.swappiness"), "0");
    writeFileSync(join(cpu, "cpu.shares"), String(normalShares));
    // workerd runs JavaScript on one thread: one core is what a runner can use, GC included.
    tryWrite(join(cpu, "cpu.cfs_period_us"), "100000");
    tryWrite(join(cpu, "cpu.cfs_quota_us"), "100000");
    return {
      procsFiles: [join(memory, "cgroup.procs"), join(cpu, "cgroup.procs")],
      setPenalised: (penalised) => tryWrite(join(cpu, "cpu.shares"), String(penalised ? penalisedShares : normalShares)),
      oomKills: () => oomKillCount(join(memory, "memory.oom_control")),
      watch: () => {},
      remove: () => {
        for (const dir of [memory, cpu]) {
          try {
            rmdirSync(dir);
          } catch {
            // still holds a process that is exiting: the host's next start sweeps it
          }
        }
      },
    };
  }

  close(): void {
    for (const dir of [this.#memory, this.#cpu]) {
      removeStaleGroups(dir, true);
      try {
        rmdirSync(dir);
      } catch {
        // a child group still holds an exiting process; swept at the next start
      }
    }
  }
}

function oomKillCount(file: string): number {
  try {
    return Number(/^oom_kill (\d+)$/m.exec(readFileSync(file, "utf8"))?.[1] ?? 0);
  } catch {
    return 0;
  }
}
