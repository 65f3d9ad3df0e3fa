// Small file helpers for cgroup trees.
import { readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Writes a control file that not every kernel has; false if it could not. */
export function tryWrite(file: string, value: string): boolean {
  try {
    writeFileSync(file, value);
    return true;
  } catch {
    return false;
  }
}

/**
 * Removes empty runner groups: under `base`, the `iota-scripts-*` trees of hosts that are gone
 * (or, with `all`, every child of `base` itself). A group still holding a process is kept.
 */
export function removeStaleGroups(base: string, all = false): void {
  let entries: string[];
  try {
    entries = readdirSync(base);
  } catch {
    return;
  }
  for (const entry of entries) {
    const dir = join(base, entry);
    if (!all && !entry.startsWith("iota-scripts-")) continue;
    if (!all && hostAlive(entry)) continue;
    try {
      if (!statSync(dir).isDirectory()) continue;
    } catch {
      continue;
    }
    for (const child of safeList(dir)) {
      const sub = join(dir, child);
      if (isGroup(sub) && empty(sub)) tryRemove(sub);
    }
    if (empty(dir)) tryRemove(dir);
  }
}

// Groups are named iota-scripts-<pid of the host>: one whose host still runs is not stale.
function hostAlive(entry: string): boolean {
  const pid = Number(entry.slice("iota-scripts-".length));
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("host/main.ts");
  } catch {
    return false;
  }
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function isGroup(dir: string): boolean {
  try {
    return statSync(join(dir, "cgroup.procs")).isFile();
  } catch {
    return false;
  }
}

function empty(dir: string): boolean {
  try {
    return readFileSync(join(dir, "cgroup.procs"), "utf8").trim() === "";
  } catch {
    return false;
  }
}

function tryRemove(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // busy or already gone
  }
}
