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

/**
 * Builds the admin when it is stale (IOTA_ADMIN_BUILD=never skips the check, for test runs
 * that build it once up front). Answers whether there is a build to serve; a failed build is
 * logged and the API still starts, without the admin.
 */
export async function ensureAdminBuilt(log: HostLog): Promise<boolean> {
  const hasBuild = () => existsSync(join(adminDist, "index.html"));
  if (!existsSync(join(root, "admin", "vite.config.ts"))) return false;
  if (process.env.IOTA_ADMIN_BUILD === "never" || !(await adminIsStale())) return hasBuild();
  try {
    await buildAdmin();
  } catch (error) {
    log.error("admin.build_failed", { error: (error as Error).message });
  }
  return hasBuild();
}

export async function buildAdmin(log?: HostLog): Promise<void> {
  log?.info("admin.build", { dir: adminDist });
  const vite = join(root, "node_modules", "vite", "bin", "vite.js");
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [vite, "build", "--config", "admin/vite.config.ts", "--logLevel", "warn"], {
      cwd: root,
      stdio: ["ignore", "inherit", "inherit"],
    });
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`the admin build failed (vite exited with ${code})`))));
  });
}
