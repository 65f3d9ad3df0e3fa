// The host's settings, all from the environment, checked once at start-up.
import { statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { serverUrlProblem } from "../db/libsql-server.ts";
import { defaultLostRunGraceMs } from "../protocol/run.ts";

export interface HostConfig {
  port: number;
  bindAddress: string;
  dataDir: string;
  /**
   * The database: a libSQL server (sqld, Turso) several hosts share, when LIBSQL_URL names one;
   * else the embedded file under DATA_DIR (also what a `file:` URL names).
   */
  database: { kind: "file"; file: string } | { kind: "server"; url: string; authToken: string | undefined };
  /** What a runner may hold beyond its tier's heap (workerd, ArrayBuffers, Wasm), in MB. */
  memoryHeadroomMb: number;
  /** auto, cgroup-v1, cgroup-v2 or watchdog (see host/containment). */
  containment: string | undefined;
  bootstrapToken: string | undefined;
  bootstrapPassword: string | undefined;
  /** The runners' memory tiers (V8 heap cap per isolate, MB); the largest is the largest memoryMb. */
  memoryTiersMb: number[];
  /** How long a tenant whose script had to be killed runs at lower CPU priority. */
  penaltyMs: number;
  /** Most tenant runner processes at once. */
  maxProcesses: number;
  /** Dispatcher processes sharing the public port (each runs JavaScript on one core). */
  dispatchers: number;
  /** How long past its deadline an execution may hold a runner before the runner is killed. */
  killGraceMs: number;
  tenantConcurrency: number;
  alertWindowMs: number;
  /** How long past its deadline a run still marked running is closed as lost. */
  lostRunGraceMs: number;
  /** Where the dispatcher answers, as `npm start` prints it: http://BIND_ADDRESS:PORT. */
  listenUrl: string;
  /** Where people reach this install, for links in alerts: IOTA_PUBLIC_URL, else `listenUrl`. */
  publicUrl: string;
  globalConcurrency: number;
  /** Platform defaults for each tenant's budgets (a platform admin may set a tenant's own). */
  tenantBudgets: { maxQueued: number; maxQueuedBytes: number; maxHistoryBytesPerDay: number };
  /** Where the dispatcher's V8 inspector listens, for profiling; loopback only. */
  dispatcherInspector: string | undefined;
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

function tiers(raw: string): number[] {
  const values = raw.split(",").map((s) => Number(s.trim()));
  if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v < 16 || v > 8192)) {
    throw new Error(`RUNNER_MEMORY_TIERS must be comma-separated whole numbers of MB from 16 to 8192, got ${JSON.stringify(raw)}`);
  }
  return [...new Set(values)].sort((a, b) => a - b);
}

function inspector(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  // The inspector runs any code it is sent: it never listens beyond loopback.
  if (!/^127\.0\.0\.1:\d{1,5}$/.test(raw)) throw new Error(`IOTA_INSPECT_DISPATCHER must be 127.0.0.1:<port>, got ${JSON.stringify(raw)}`);
  return raw;
}

/**
 * The file a `file:` LIBSQL_URL names, as libSQL reads it: `file:/abs/path`, `file:///abs/path`,
 * or `file:relative/path` (from the working directory; WHATWG URL parsing would make that one
 * absolute). Its directory must exist: the engine creates the file, not the directories.
 */
function databaseFile(raw: string): string {
  const rest = raw.slice("file:".length).replace(/[?#].*$/s, "");
  let path: string;
  if (rest.startsWith("//")) {
    const url = URL.parse(raw);
    if (!url || (url.hostname !== "" && url.hostname !== "localhost"))
      throw new Error(`LIBSQL_URL ${JSON.stringify(raw)} names a file on another machine: use file:/path/to/iota.db`);
    path = fileURLToPath(url);
  } else {
    try {
      path = decodeURIComponent(rest);
    } catch {
      throw new Error(`LIBSQL_URL ${JSON.stringify(raw)} has a broken %-escape in its path`);
    }
  }
  if (path === "" || path.endsWith("/")) throw new Error(`LIBSQL_URL ${JSON.stringify(raw)} names no file: use file:/path/to/iota.db`);
  const file = resolve(path);
  const stat = statSync(file, { throwIfNoEntry: false });
  if (stat?.isDirectory()) throw new Error(`LIBSQL_URL names ${file}, which is a directory: name a file in it, like file:${join(file, "iota.db")}`);
  const dir = dirname(file);
  const parent = statSync(dir, { throwIfNoEntry: false });
  if (!parent) throw new Error(`LIBSQL_URL names ${file}, but the directory ${dir} does not exist: create it, or name a file in one that does`);
  if (!parent.isDirectory()) throw new Error(`LIBSQL_URL names ${file}, but ${dir} is not a directory`);
  return file;
}

/** The database LIBSQL_URL names (the embedded file under DATA_DIR when it names none); each mistake stops start-up naming LIBSQL_URL. */
export function database(dataDir: string, raw = process.env.LIBSQL_URL, authToken = process.env.LIBSQL_AUTH_TOKEN): HostConfig["database"] {
  if (!raw) return { kind: "file", file: join(dataDir, "iota.db") };
  if (/^file:/i.test(raw)) return { kind: "file", file: databaseFile(raw) };
  const problem = serverUrlProblem(raw);
  if (problem) throw new Error(problem);
  return { kind: "server", url: raw, authToken: authToken || undefined };
}

function publicUrl(raw: string | undefined, fallback: string): string {
  if (!raw) return fallback;
  const url = URL.parse(raw);
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:"))
    throw new Error(`IOTA_PUBLIC_URL must be an http(s) URL like https://scripts.example.com, got ${JSON.stringify(raw)}`);
  return raw.replace(/\/+$/, "");
}

export function readConfig(): HostConfig {
  const port = integer("PORT", 8787, 1, 65535);
  const bindAddress = process.env.BIND_ADDRESS || "127.0.0.1";
  // One address for the banner and the links alerts send, so a link opens what was printed.
  const listenUrl = `http://${bindAddress}:${port}`;
  return {
    port,
    bindAddress,
    listenUrl,
    dataDir: resolve(process.env.DATA_DIR || "./data"),
    database: database(resolve(process.env.DATA_DIR || "./data")),
    memoryHeadroomMb: integer("RUNNER_MEMORY_HEADROOM_MB", 8, 4, 4096),
    containment: process.env.IOTA_CONTAINMENT || undefined,
    bootstrapToken: process.env.IOTA_BOOTSTRAP_TOKEN || undefined,
    bootstrapPassword: process.env.IOTA_BOOTSTRAP_PASSWORD || undefined,
    memoryTiersMb: tiers(process.env.RUNNER_MEMORY_TIERS || "128,256"),
    penaltyMs: integer("RUNNER_PENALTY_MS", 10 * 60_000, 0, 24 * 3600_000),
    maxProcesses: integer("RUNNER_MAX_PROCESSES", 32, 1, 1000),
    dispatchers: integer("IOTA_DISPATCHERS", 1, 1, 64),
    killGraceMs: integer("RUNNER_KILL_GRACE_MS", 500, 50, 10000),
    tenantConcurrency: integer("TENANT_CONCURRENCY", 10, 1, 10_000),
    alertWindowMs: integer("IOTA_ALERT_WINDOW_MS", 15 * 60_000, 1000, 24 * 3600_000),
    lostRunGraceMs: integer("IOTA_LOST_RUN_GRACE_MS", defaultLostRunGraceMs, 1000, 3600_000),
    publicUrl: publicUrl(process.env.IOTA_PUBLIC_URL, listenUrl),
    globalConcurrency: integer("GLOBAL_CONCURRENCY", 50, 1, 100_000),
    tenantBudgets: {
      maxQueued: integer("TENANT_MAX_QUEUED", 10_000, 1, 10_000_000),
      maxQueuedBytes: integer("TENANT_MAX_QUEUED_BYTES", 64 * 1024 * 1024, 1024 * 1024, 2 ** 40),
      maxHistoryBytesPerDay: integer("TENANT_MAX_HISTORY_BYTES_PER_DAY", 256 * 1024 * 1024, 1024 * 1024, 2 ** 44),
    },
    dispatcherInspector: inspector(process.env.IOTA_INSPECT_DISPATCHER),
  };
}
