// Reading a process's resources from /proc: what the watchdogs decide on.
import { readFileSync } from "node:fs";

/** CPU time the process has used, user and system, in milliseconds; undefined once it is gone. */
export function cpuMillis(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces), from field 3 on.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
  } catch {
    return undefined;
  }
}

/**
 * How long the process's main thread (where workerd runs JavaScript) has been on the CPU or
 * waiting for one, in milliseconds: a thread that is always runnable has work to do even when
 * other processes keep it from the CPU, which CPU time alone would hide.
 */
export function runnableMillis(pid: number): number | undefined {
  try {
    const [run, wait] = readFileSync(`/proc/${pid}/schedstat`, "utf8").split(" ");
    return (Number(run) + Number(wait)) / 1e6;
  } catch {
    return undefined;
  }
}

/** Resident memory in bytes; undefined once the process is gone. */
export function residentBytes(pid: number): number | undefined {
  try {
    const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

// USER_HZ is 100 on every Linux build we can run on (it is fixed by the kernel's ABI for /proc).
const clockTicks = 100;
