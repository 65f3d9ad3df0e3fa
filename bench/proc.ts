// Reading processes and the machine from /proc (Linux only), for the isolation benchmark's
// memory and CPU targets. Synchronous reads of small files: cheap enough to run every 50 ms.
import { readdirSync, readFileSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";

export interface ProcInfo {
  pid: number;
  ppid: number;
  /** The kernel's short name (`/proc/<pid>/comm`): "workerd", "sh", "node". */
  comm: string;
  cmdline: string;
  /** utime + stime, in clock ticks. */
  ownTicks: number;
  /** cutime + cstime: what the children it has reaped used (their own reaped children included). */
  reapedTicks: number;
}

function statFields(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which may itself hold spaces and parentheses.
    return text.slice(text.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined; // the process ended while we looked
  }
}

/** utime+stime and cutime+cstime of one process, or undefined once it has gone. */
export function processTicks(pid: number): { own: number; reaped: number } | undefined {
  const f = statFields(pid);
  if (!f) return undefined;
  return { own: Number(f[11]) + Number(f[12]), reaped: Number(f[13]) + Number(f[14]) };
}

/** Every process on the machine right now. */
export function scanProcesses(): Map<number, ProcInfo> {
  const all = new Map<number, ProcInfo>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const f = statFields(pid);
    if (!f) continue;
    let cmdline = "";
    let comm = "";
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
      comm = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
    } catch {
      continue;
    }
    all.set(pid, { pid, ppid: Number(f[1]), comm, cmdline, ownTicks: Number(f[11]) + Number(f[12]), reapedTicks: Number(f[13]) + Number(f[14]) });
  }
  return all;
}

/** `root` and every process below it, from one scan. */
export function subtree(all: Map<number, ProcInfo>, root: number): ProcInfo[] {
  const children = new Map<number, ProcInfo[]>();
  for (const p of all.values()) {
    const siblings = children.get(p.ppid);
    if (siblings) siblings.push(p);
    else children.set(p.ppid, [p]);
  }
  const out: ProcInfo[] = [];
  const first = all.get(root);
  const stack = first ? [first] : [];
  while (stack.length) {
    const p = stack.pop()!;
    out.push(p);
    stack.push(...(children.get(p.pid) ?? []));
  }
  return out;
}

/** The machine's CPU time so far, all cores, in clock ticks (the first line of /proc/stat). */
export function machineTicks(): { total: number; idle: number } {
  const line = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!;
  // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user.
  const n = line.trim().split(/\s+/).slice(1, 9).map(Number);
  return { total: n.reduce((a, b) => a + b, 0), idle: n[3]! + n[4]! };
}

/**
 * Resident set size in MB (VmRSS), and the anonymous part of it (RssAnon: what the process
 * allocated, without the mapped workerd binary and shared files), or undefined once it has gone.
 */
export function rssMb(pid: number): { rss: number; anon: number } | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return undefined;
  }
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0); // a zombie has none
  return { rss: kb("VmRSS") / 1024, anon: kb("RssAnon") / 1024 };
}

export function memAvailableMb(): number {
  const m = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync("/proc/meminfo", "utf8"));
  return m ? Number(m[1]) / 1024 : Infinity;
}

/** Bytes of the files under `dir` (the product's data dir: how much the database grew). */
export async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await dirBytes(path);
    else if (entry.isFile()) total += (await stat(path).catch(() => ({ size: 0 }))).size;
  }
  return total;
}
