// Builds the admin SPA with Vite when its output is missing or older than its sources, so
// `npm start` on a fresh clone serves a working admin with no extra step.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { HostLog } from "./log.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
export const adminDist = join(root, "admin", "dist");
const sources = ["admin/src", "admin/index.html", "admin/vite.config.ts", "workers/sdk", "protocol"];

async function newest(path: string): Promise<number> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  const entries = await readdir(path);
  const times = await Promise.all(entries.map((e) => newest(join(path, e))));
  return Math.max(info.mtimeMs, ...times);
}

export async function adminIsStale(): Promise<boolean> {
  const built = await stat(join(adminDist, "index.html")).catch(() => undefined);
  if (!built) return true;
  const times = await Promise.all(sources.map((s) => newest(join(root, s))));
  return Math.max(...times) > built.mtimeMs;
}

export async function ensureAdminBuilt(log: HostLog): Promise<boolean> {
  if (!existsSync(join(root, "admin", "vite.config.ts"))) return false;
  if (!(await adminIsStale())) return true;
  log.info("admin.build", { dir: adminDist });
  const vite = join(root, "node_modules", "vite", "bin", "vite.js");
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [vite, "build", "--config", "admin/vite.config.ts", "--logLevel", "warn"], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`the admin build failed (vite exited with ${code})`))));
  });
  return true;
}
