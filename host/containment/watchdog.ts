// Where no cgroup can be had: the host reads each runner's resident memory from /proc every
// 50 ms and kills a process past its limit, and lowers a penalised one's priority with nice.
// Weaker than the kernel's limit: memory taken faster than one sample interval can overshoot
// before the kill, so the README says which enforcement a host has.
import { setPriority } from "node:os";
import type { Containment, Group, GroupLimits } from "./index.ts";
import { residentBytes } from "./proc.ts";

const intervalMs = 50;

export class ProcWatchdog implements Containment {
  readonly kind = "watchdog" as const;
  readonly #timers = new Set<ReturnType<typeof setInterval>>();

  describe(): string {
    return "watchdog: no writable cgroup here; the host polls each runner's memory (/proc) and kills it past its limit";
  }

  group(_name: string, limits: GroupLimits): Group {
    let timer: ReturnType<typeof setInterval> | undefined;
    const stop = () => {
      if (timer) clearInterval(timer);
      if (timer) this.#timers.delete(timer);
      timer = undefined;
    };
    return {
      procsFiles: [],
      setPenalised: (penalised, pid) => {
        if (pid === undefined) return;
        try {
          setPriority(pid, penalised ? 10 : 0);
        } catch {
          // the process is gone
        }
      },
      oomKills: () => 0,
      watch: (pid, onMemoryKill) => {
        stop();
        timer = setInterval(() => {
          const rss = residentBytes(pid);
          if (rss === undefined) return stop();
          if (rss <= limits.memoryBytes) return;
          stop();
          onMemoryKill();
        }, intervalMs);
        timer.unref();
        this.#timers.add(timer);
      },
      remove: stop,
    };
  }

  close(): void {
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers.clear();
  }
}
