// cgroup v2: one group per runner process with memory.max (swap off) and a CPU weight. v2 lets
// controllers reach a group only through its parent's subtree_control, and not below a group
// that holds processes itself, so this works where the host may manage a subtree of its own
// (systemd's Delegate=yes, a container's root); elsewhere the watchdog takes over.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Containment, Group, GroupLimits } from "./index.ts";
import { removeStaleGroups, tryWrite } from "./files.ts";

const mounts = ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"];

export class CgroupV2 implements Containment {
  readonly kind = "cgroup-v2" as const;
  readonly #base: string;

  private constructor(base: string) {
    this.#base = base;
  }

  static open(own: Map<string, string>, hostTag: string): CgroupV2 | undefined {
    const path = own.get("");
    if (path === undefined) return undefined;
    for (const mount of mounts) {
      const parent = join(mount, path);
      if (!existsSync(join(parent, "cgroup.subtree_control"))) continue;
      const available = safeRead(join(parent, "cgroup.controllers")).split(/\s+/);
      if (!available.includes("memory") || !available.includes("cpu")) continue;
      removeStaleGroups(parent);
      const base = join(parent, `iota-scripts-${hostTag}`);
      try {
        writeFileSync(join(parent, "cgroup.subtree_control"), "+memory +cpu");
        mkdirSync(base, { recursive: true });
        writeFileSync(join(base, "cgroup.subtree_control"), "+memory +cpu");
      } catch {
        continue;
      }
      return new CgroupV2(base);
    }
    return undefined;
  }

  describe(): string {
    return "cgroup v2: each runner process has its own memory.max (heap, ArrayBuffers, Wasm) and CPU weight";
  }

  group(name: string, limits: GroupLimits): Group {
    const dir = join(this.#base, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "memory.max"), String(limits.memoryBytes));
    tryWrite(join(dir, "memory.swap.max"), "0");
    tryWrite(join(dir, "memory.oom.group"), "1");
    tryWrite(join(dir, "cpu.weight"), "100");
    tryWrite(join(dir, "cpu.max"), "100000 100000");
    return {
      procsFiles: [join(dir, "cgroup.procs")],
      setPenalised: (penalised) => tryWrite(join(dir, "cpu.weight"), penalised ? "6" : "100"),
      oomKills: () => Number(/^oom_kill (\d+)$/m.exec(safeRead(join(dir, "memory.events")))?.[1] ?? 0),
      watch: () => {},
      remove: () => {
        try {
          rmdirSync(dir);
        } catch {
          // an exiting process still in it; swept at the next start
        }
      },
    };
  }

  close(): void {
    removeStaleGroups(this.#base, true);
    try {
      rmdirSync(this.#base);
    } catch {
      // swept at the next start
    }
  }
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}
