// Debian's Chromium for the admin's browser tests. A clean machine gets it from apt the first
// time; a lock directory keeps parallel test files from running apt at once.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, rmdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

export const chromiumPath = "/usr/bin/chromium";
const run = promisify(execFile);
const lock = join(tmpdir(), "iota-chromium-install.lock");

export async function ensureChromium(): Promise<string> {
  if (existsSync(chromiumPath)) return chromiumPath;
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch {
      if (existsSync(chromiumPath)) return chromiumPath;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
  try {
    if (!existsSync(chromiumPath)) {
      const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
      await run("apt-get", ["update"], { env, maxBuffer: 64 * 1024 * 1024 });
      await run("apt-get", ["install", "-y", "chromium"], { env, maxBuffer: 64 * 1024 * 1024 });
    }
  } finally {
    await rmdir(lock).catch(() => undefined);
  }
  if (!existsSync(chromiumPath)) throw new Error(`apt-get installed chromium but ${chromiumPath} is missing`);
  return chromiumPath;
}

/** The vitest globalSetup form, for `globalSetup: ["test/admin/support/chromium.ts"]`. */
export default async function setup(): Promise<void> {
  await ensureChromium();
}
