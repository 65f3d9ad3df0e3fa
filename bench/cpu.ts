// CPU time used by this benchmark's child processes (the product's host, dispatcher and
// runners; a bare workerd), read from /proc. Throughput on a busy 2-core machine moves with
// whatever else runs; CPU time per request does not, so the benchmarks report both.
import { readdirSync, readFileSync } from "node:fs";

const ticksPerSecond = 100; // USER_HZ on Linux

interface Proc {
  ppid: number;
  ticks: number;
  role: string;
}

function role(cmdline: string): string {
  if (cmdline.includes("dispatcher.capnp")) return "dispatcher";
  if (cmdline.includes("runner-")) return "runner";
  if (cmdline.includes("host/main.ts")) return "host";
  if (cmdline.includes("workerd")) return "workerd";
  return "other";
}

function processes(): Map<number, Proc> {
  const all = new Map<number, Proc>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Fields after the command name, which may itself hold spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").replace(/\0/g, " ");
      all.set(Number(entry), { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]), role: role(cmdline) });
    } catch {
      // the process ended while we looked
    }
  }
  return all;
}

/** This process's descendants right now, by pid (the root itself left out). */
function descendants(root = process.pid): Map<number, Proc> {
  const all = processes();
  const inTree = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, p] of all) {
      if (!inTree.has(pid) && inTree.has(p.ppid)) {
        inTree.add(pid);
        grew = true;
      }
    }
  }
  const out = new Map<number, Proc>();
  for (const pid of inTree) {
    const p = all.get(pid);
    if (p && pid !== root && p.role !== "other") out.set(pid, p);
  }
  return out;
}

/** CPU milliseconds used so far by each role among this process's descendants. */
export function descendantsCpuMs(root = process.pid): Record<string, number> {
  const byRole: Record<string, number> = {};
  for (const p of descendants(root).values()) byRole[p.role] = (byRole[p.role] ?? 0) + (p.ticks * 1000) / ticksPerSecond;
  return byRole;
}

// How often cpuPerUnit looks at the processes while the work runs: a process that ends meanwhile
// (a runner the kernel killed at its memory limit) takes its CPU time with it, and a reading only
// before and after would leave that time out and make a call look cheaper than it was.
const sampleEveryMs = 200;

/**
 * Runs `work` and answers the CPU microseconds per unit its processes used, by role and in all,
 * and how many of them ended while it ran (`ended`, by role): a runner that ended under load was
 * killed, and the figures then include its restart.
 */
export async function cpuPerUnit<T>(
  work: () => Promise<T>,
  units: (result: T) => number,
): Promise<{ result: T; cpuUsPerUnit: Record<string, number>; ended: Record<string, number> }> {
  const before = descendants();
  const last = new Map(before);
  const look = () => {
    for (const [pid, p] of descendants()) last.set(pid, p);
  };
  const timer = setInterval(look, sampleEveryMs);
  let result: T;
  try {
    result = await work();
  } finally {
    clearInterval(timer);
  }
  const now = descendants();
  look();
  const usedMs: Record<string, number> = {};
  const ended: Record<string, number> = {};
  for (const [pid, p] of last) {
    const start = before.get(pid);
    // A pid reused by another process since: count it from zero.
    const from = start && start.role === p.role && start.ticks <= p.ticks ? start.ticks : 0;
    usedMs[p.role] = (usedMs[p.role] ?? 0) + ((p.ticks - from) * 1000) / ticksPerSecond;
    if (!now.has(pid)) ended[p.role] = (ended[p.role] ?? 0) + 1;
  }
  const n = Math.max(1, units(result));
  const cpuUsPerUnit: Record<string, number> = {};
  let total = 0;
  for (const [k, ms] of Object.entries(usedMs)) {
    if (ms <= 0) continue;
    cpuUsPerUnit[k] = Math.round((ms * 1000) / n);
    total += ms;
  }
  cpuUsPerUnit.total = Math.round((total * 1000) / n);
  return { result, cpuUsPerUnit, ended };
}
