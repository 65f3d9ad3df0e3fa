// The host's settings, all from the environment, checked once at start-up.
import { resolve } from "node:path";

export interface HostConfig {
  port: number;
  bindAddress: string;
  dataDir: string;
  runnerShards: number;
  bootstrapToken: string | undefined;
  bootstrapPassword: string | undefined;
  /** The runner's per-isolate V8 heap cap, in MB: the platform's largest memoryMb. */
  runnerHeapMb: number;
  /** How long past its deadline an execution may hold a runner before the runner is killed. */
  killGraceMs: number;
}

function integer(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

export function readConfig(): HostConfig {
  return {
    port: integer("PORT", 8787, 1, 65535),
    bindAddress: process.env.BIND_ADDRESS || "127.0.0.1",
    dataDir: resolve(process.env.DATA_DIR || "./data"),
    runnerShards: integer("RUNNER_SHARDS", 2, 1, 64),
    bootstrapToken: process.env.IOTA_BOOTSTRAP_TOKEN || undefined,
    bootstrapPassword: process.env.IOTA_BOOTSTRAP_PASSWORD || undefined,
    runnerHeapMb: integer("RUNNER_HEAP_MB", 256, 16, 4096),
    killGraceMs: integer("RUNNER_KILL_GRACE_MS", 500, 50, 10000),
  };
}
