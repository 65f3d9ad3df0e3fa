// `npm run start:cloudflare`: the Cloudflare build, served locally by `wrangler dev` (Miniflare,
// one workerd) from wrangler.toml's `local` environment, so that the same end-to-end tests run
// against both builds. It honours what `npm start` honours (PORT, BIND_ADDRESS, DATA_DIR,
// IOTA_BOOTSTRAP_TOKEN, IOTA_BOOTSTRAP_PASSWORD, IOTA_EGRESS_ALLOW, IOTA_PUBLIC_URL, the
// concurrency and budget settings) and prints the same "ready" lines.
//
// What it adds to `wrangler dev`, which Cloudflare does itself when deployed:
// - the database: D1 (real SQLite under Miniflare) persisted in DATA_DIR, brought up to date with
//   db/migrations by `wrangler d1 migrations apply` before the worker starts; or, with LIBSQL_URL
//   (and LIBSQL_AUTH_TOKEN) set, that libSQL server, as a deployment on Turso uses it: migrated
//   here as `npm run db:migrate` does before `wrangler deploy`, and served from wrangler.toml's
//   `local-libsql` environment, which binds no D1, so the dispatcher opens LIBSQL_URL over HTTP;
// - Cron Triggers: Miniflare never fires them, so this calls the scheduled handler at the start
//   of every minute, as Cloudflare would;
// - the secrets: SECRETS_KEY kept in DATA_DIR like `npm start`'s, and the first platform admin's
//   token and password (generated and printed once for an empty database, unless given);
// - email: wrangler.toml's local send_email binding, which Miniflare logs and keeps instead of
//   sending (alerts' sender address from IOTA_ALERT_EMAIL_FROM).
import { createClient } from "@libsql/client";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { migrateDatabase } from "../db/migrate.ts";
import { readConfig } from "../host/config.ts";
import { freePort } from "../host/free-port.ts";
import { createLog } from "../host/log.ts";
import { secretsKey } from "../host/secrets-key.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const wrangler = join(root, "node_modules", "wrangler", "bin", "wrangler.js");
const log = createLog();
const readyTimeoutMs = 120_000;

function newSecret(): string {
  return `iota_${randomBytes(24).toString("base64url")}`;
}

/** Runs one wrangler command to its end; its output is shown only if it fails. */
function wranglerOnce(args: string[]): void {
  const result = spawnSync(process.execPath, [wrangler, ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" },
  });
  if (result.status !== 0) throw new Error(`wrangler ${args.slice(0, 3).join(" ")} failed:\n${result.stdout}${result.stderr}`);
}

/** `KEY=value` lines for wrangler's --env-file: the vars and secrets `npm start` hands its dispatcher. */
function envFile(vars: Record<string, string | undefined>): string {
  return Object.entries(vars)
    .filter((e): e is [string, string] => e[1] !== undefined && e[1] !== "")
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join("\n");
}

/** The database this build serves: LIBSQL_URL's server when set, else D1 in `persist`. */
interface Database {
  /** wrangler.toml's environment that binds (or does not bind) D1. */
  wranglerEnv: "local" | "local-libsql";
  libsql?: { url: string; authToken?: string };
}

/** Brings the schema up to date and says whether the platform still has to be made. */
async function prepareDatabase(database: Database, persist: string): Promise<boolean> {
  if (!database.libsql) {
    const fresh = !existsSync(join(persist, "v3", "d1"));
    wranglerOnce(["d1", "migrations", "apply", "DB", "--local", "--env", "local", "--persist-to", persist]);
    return fresh;
  }
  await migrateDatabase(database.libsql);
  const client = createClient(database.libsql);
  try {
    const result = await client.execute("SELECT count(*) AS n FROM tenants");
    return Number(result.rows[0]?.n ?? 0) === 0;
  } finally {
    client.close();
  }
}

async function waitUntilUp(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const until = Date.now() + readyTimeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}:\n${output()}`);
    const ok = await fetch(url, { signal: AbortSignal.timeout(2000) }).then(
      (r) => {
        void r.body?.cancel();
        return r.ok;
      },
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`the Cloudflare build did not answer ${url} within ${readyTimeoutMs / 1000} s:\n${output()}`);
}

async function main(): Promise<void> {
  const config = readConfig();
  await mkdir(config.dataDir, { recursive: true });
  const persist = join(config.dataDir, "cloudflare");
  await mkdir(persist, { recursive: true });
  const libsqlUrl = process.env.LIBSQL_URL;
  const database: Database = libsqlUrl
    ? { wranglerEnv: "local-libsql", libsql: { url: libsqlUrl, authToken: process.env.LIBSQL_AUTH_TOKEN || undefined } }
    : { wranglerEnv: "local" };
  // The schema first, with the same migrations as the embedded database.
  const fresh = await prepareDatabase(database, persist);
  const token = config.bootstrapToken ?? (fresh ? newSecret() : undefined);
  const password = config.bootstrapPassword ?? (fresh ? newSecret().slice(5, 25) : undefined);

  const vars = envFile({
    LIBSQL_URL: database.libsql?.url,
    LIBSQL_AUTH_TOKEN: database.libsql?.authToken,
    SECRETS_KEY: await secretsKey(config.dataDir),
    BOOTSTRAP_TOKEN: token,
    BOOTSTRAP_PASSWORD: password,
    TENANT_CONCURRENCY: String(config.tenantConcurrency),
    GLOBAL_CONCURRENCY: String(config.globalConcurrency),
    TENANT_MAX_QUEUED: String(config.tenantBudgets.maxQueued),
    TENANT_MAX_QUEUED_BYTES: String(config.tenantBudgets.maxQueuedBytes),
    TENANT_MAX_HISTORY_BYTES_PER_DAY: String(config.tenantBudgets.maxHistoryBytesPerDay),
    ALERT_WINDOW_MS: String(config.alertWindowMs),
    LOST_RUN_GRACE_MS: String(config.lostRunGraceMs),
    PUBLIC_URL: config.publicUrl,
    EGRESS_ALLOW: process.env.IOTA_EGRESS_ALLOW,
    // Miniflare's send_email keeps messages rather than sending them: any sender address does.
    ALERT_EMAIL_FROM: process.env.IOTA_ALERT_EMAIL_FROM ?? "alerts@iota-scripts.localhost",
    TRUST_PROXY: process.env.IOTA_TRUST_PROXY === "true" ? "true" : "false",
  });
  const varsFile = join(persist, "dev.vars");
  await writeFile(varsFile, `${vars}\n`, { mode: 0o600 });
  await chmod(varsFile, 0o600);

  let output = "";
  const child = spawn(
    process.execPath,
    [
      wrangler,
      "dev",
      "--env",
      database.wranglerEnv,
      "--ip",
      config.bindAddress,
      "--port",
      String(config.port),
      // wrangler's own inspector would take 9229 when it looks free: two builds starting at once
      // (the tests run files in parallel) both took it, and one failed to bind.
      "--inspector-port",
      String(await freePort()),
      "--persist-to",
      persist,
      "--env-file",
      varsFile,
      "--test-scheduled",
      "--show-interactive-dev-session=false",
      "--log-level",
      process.env.LOG_LEVEL === "debug" ? "debug" : "info",
    ],
    { cwd: root, env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" }, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  // The worker's own lines (JSON) and wrangler's go to stderr, like the host's log.
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-64 * 1024);
    process.stderr.write(chunk);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);

  let stopping = false;
  let cron: ReturnType<typeof setTimeout> | undefined;
  const stop = (exitCode: number) => {
    if (stopping) return;
    stopping = true;
    clearTimeout(cron);
    log.info("host.stopping");
    // wrangler dev runs workerd as its child: the whole group goes.
    if (child.exitCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
    const force = setTimeout(() => {
      if (child.pid !== undefined && child.exitCode === null) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }, 5000);
    child.once("exit", () => {
      clearTimeout(force);
      process.exit(exitCode);
    });
    if (child.exitCode !== null) process.exit(exitCode);
  };
  process.on("SIGINT", () => stop(0));
  process.on("SIGTERM", () => stop(0));
  child.once("exit", (code) => {
    if (!stopping) {
      log.error("dispatcher.exit", { code });
      process.exit(1);
    }
  });

  const local = `http://${config.bindAddress === "0.0.0.0" ? "127.0.0.1" : config.bindAddress}:${config.port}`;
  try {
    // The first request also makes the platform on an empty database (BOOTSTRAP_TOKEN).
    await waitUntilUp(`${local}/healthz`, child, () => output);
  } catch (error) {
    log.error("host.start_failed", { error: (error as Error).message });
    stop(1);
    return;
  }

  // Cron Triggers, as Cloudflare fires them: at the start of every minute.
  const fireCron = () => {
    cron = setTimeout(fireCron, 60_000 - (Date.now() % 60_000) + 50);
    fetch(`${local}/__scheduled?cron=${encodeURIComponent("* * * * *")}`, { signal: AbortSignal.timeout(55_000) }).then(
      (r) => r.body?.cancel(),
      (error: Error) => log.warn("cron.failed", { error: error.message }),
    );
  };
  // Once now, as the host's first tick does: schedules missed while it was down, waiting work.
  fireCron();

  const base = config.listenUrl;
  log.info("host.ready", { url: base, dataDir: config.dataDir, build: "cloudflare", database: database.libsql ? "libsql" : "d1" });
  process.stdout.write(
    `iota-scripts is up\n  admin:    ${base}/admin/\n  API:      ${base}/admin/api\n  scripts:  ${base}/api/scripts/\n  data:     ${config.dataDir}\n  limits:   Cloudflare build: the Worker Loader's limits (cpuMs from timeoutMs, subRequests) are enforced on Cloudflare only; local workerd ignores them\n`,
  );
  if (fresh && !config.bootstrapToken && token) process.stdout.write(`\nPlatform admin token (shown once, store it now):\n  ${token}\n`);
  if (fresh && !config.bootstrapPassword && password) process.stdout.write(`\nAdmin sign-in (shown once): user "admin", password ${password}\n`);
}

main().catch((error: Error) => {
  log.error("host.start_failed", { error: error.message });
  process.exit(1);
});
