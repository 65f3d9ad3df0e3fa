// `npm start`: the one process a user runs. It owns the embedded database file (its schema, and
// the one connection that serves the dispatcher's SQL), builds and starts the dispatcher and the
// runner shards in workerd, and stops them all on Ctrl-C. Domain tables are the dispatcher's:
// what the host needs of them (bootstrap, alert deliveries, egress lists) it asks the dispatcher.
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { randomBytes } from "node:crypto";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { migrateDatabase, migrateLocalDatabase } from "../db/migrate.ts";
import { LocalSqlEngine } from "../db/local-engine.ts";
import { adminDist, ensureAdminBuilt } from "./admin-build.ts";
import { domainClient, type DomainClient } from "./domain-client.ts";
import { buildWorkers } from "./build.ts";
import { readConfig } from "./config.ts";
import { startInternalServer } from "./internal-server.ts";
import { secretsKey } from "./secrets-key.ts";
import { startTicker } from "./ticker.ts";
import { startEgress } from "./egress-wiring.ts";
import { startAlertSender } from "./alert-sender.ts";
import { createLog, logs } from "./log.ts";
import { RunnerPool } from "./runners/pool.ts";
import { openContainment } from "./containment/index.ts";
import { writeDispatcherConfig } from "./workerd-config.ts";
import { DispatcherGroup } from "./dispatchers.ts";
import { peerKey } from "./peer-auth.ts";
import { peerAddress, readPeerSettings } from "./peer-config.ts";
import { startPeerServer } from "./peer-server.ts";
import { peerRelay } from "./peer-relay.ts";
import { peerAnnounceMs } from "../protocol/live-peers.ts";

const log = createLog();

async function main(): Promise<void> {
  // Runs this host's previous life left running started before this moment; later ones are ours.
  const startedAt = new Date().toISOString();
  const config = readConfig();
  const peerSettings = readPeerSettings(config.bindAddress);
  await mkdir(config.dataDir, { recursive: true });
  const db = config.database;
  await (db.kind === "file" ? migrateLocalDatabase(db.file) : migrateDatabase({ url: db.url, authToken: db.authToken }));
  // The host's one database connection, for the embedded file: the dispatcher's queries, with
  // prepared statements kept. A libSQL server the dispatcher reaches itself, over HTTP.
  const sql = db.kind === "file" ? new LocalSqlEngine(db.file) : undefined;
  // A host is known by where it serves: restarted, it is the same host and closes the runs its
  // previous life left; a second host on the same database (another port) leaves them alone.
  const hostId = `${hostname()}:${config.port}`;

  const haveAdmin = await ensureAdminBuilt(log);
  const configDir = await mkdtemp(join(tmpdir(), "iota-scripts-"));
  const bundles = await buildWorkers(join(configDir, "build"));
  const secret = randomBytes(32).toString("hex");
  const egressSecret = randomBytes(32).toString("hex");
  const local = `${config.bindAddress === "0.0.0.0" ? "127.0.0.1" : config.bindAddress}:${config.port}`;
  const domain = domainClient(local, secret);
  const egress = await startEgress(domain, () => runners, egressSecret, log);

  // Named after this host's pid: a later start can tell a dead host's leftover groups from ours.
  const containment = openContainment(config.containment, String(process.pid));
  const runners: RunnerPool = new RunnerPool({
    tiersMb: config.memoryTiersMb,
    defaultTierMb: 256,
    maxProcesses: config.maxProcesses,
    memoryHeadroomMb: config.memoryHeadroomMb,
    containment,
    penaltyMs: config.penaltyMs,
    bundle: bundles.runner,
    configDir,
    killGraceMs: config.killGraceMs,
    links: { dispatcherAddress: local, hostSecret: secret, egressAddress: `127.0.0.1:${egress.port}`, egressSecret },
    log,
    onLeftoverWork: (tenantId, executionId) => {
      domain.noteLeftoverWork(tenantId, executionId).catch((error: Error) => log.warn("runner.leftover_note_failed", { executionId, error: error.message }));
    },
  });
  // Hosts on one database share the secrets key; the key they sign each other's requests with comes from it.
  const sealingKey = await secretsKey(config.dataDir);
  const hostKey = peerKey(sealingKey);
  const internal = await startInternalServer({ secret, sql, runners, log, onRunEnd: (id) => egress.forget(id), relay: peerRelay(hostKey, log) });
  // Where the other hosts on this database follow this host's runs for their live views, and
  // stop them for a cancel made through them (as a cancel made here would).
  const peer = await startPeerServer({
    bind: config.bindAddress,
    port: peerSettings.port,
    key: hostKey,
    hostId,
    live: (id, after) => runners.live(id, after),
    cancel: (id, by) => runners.cancel(id, by),
    log,
  });
  await runners.start();

  const dispatcherConfig = await writeDispatcherConfig(configDir, {
    bundle: bundles.dispatcher,
    address: `${config.bindAddress}:${config.port}`,
    hostAddress: `127.0.0.1:${internal.port}`,
    hostSecret: secret,
    assetsDir: haveAdmin ? adminDist : undefined,
    databaseServer: db.kind === "server",
    vars: {
      ...(db.kind === "server" ? { LIBSQL_URL: db.url, LIBSQL_AUTH_TOKEN: db.authToken ?? "" } : {}),
      MAX_MEMORY_MB: String(runners.largestTierMb),
      TENANT_CONCURRENCY: String(config.tenantConcurrency),
      GLOBAL_CONCURRENCY: String(config.globalConcurrency),
      TENANT_MAX_QUEUED: String(config.tenantBudgets.maxQueued),
      TENANT_MAX_QUEUED_BYTES: String(config.tenantBudgets.maxQueuedBytes),
      TENANT_MAX_HISTORY_BYTES_PER_DAY: String(config.tenantBudgets.maxHistoryBytesPerDay),
      SECRETS_KEY: sealingKey,
      ALERT_WINDOW_MS: String(config.alertWindowMs),
      LOST_RUN_GRACE_MS: String(config.lostRunGraceMs),
      HOST_ID: hostId,
      PUBLIC_URL: config.publicUrl,
      EGRESS_ALLOW: process.env.IOTA_EGRESS_ALLOW ?? "",
      TRUST_PROXY: process.env.IOTA_TRUST_PROXY === "true" ? "true" : "false",
    },
  });
  let stopping = false;
  let stopTicker = () => {};
  let stopSenders = () => {};
  let stopAnnouncing = () => {};
  const dispatcher = new DispatcherGroup({
    count: config.dispatchers,
    host: config.bindAddress,
    port: config.port,
    log,
    configFile: dispatcherConfig,
    healthUrl: `http://${local}/healthz`,
    inspectorAddress: config.dispatcherInspector,
    // The dispatcher logs JSON lines; they pass LOG_LEVEL like the host's own.
    onStdoutLine: (line) => {
      const level = /^\{"level":"(\w+)"/.exec(line)?.[1] ?? "info";
      if (logs(level)) process.stderr.write(`${line}\n`);
    },
    onStderrLine: (line) => (line.startsWith('{"level":"error"') ? process.stderr.write(`${line}\n`) : log.debug("dispatcher.stderr", { line })),
    // A crashed dispatcher is started again, like a runner; the host gives up only if it
    // cannot start at all.
    onGiveUp: () => void stop(1),
  });

  async function stop(exitCode: number): Promise<void> {
    if (stopping) return;
    stopping = true;
    log.info("host.stopping");
    stopTicker();
    stopSenders();
    stopAnnouncing();
    await Promise.allSettled([dispatcher.terminate(), runners.shutdown()]);
    containment.close();
    internal.server.close();
    peer.server.close();
    await egress.close();
    sql?.close();
    await rm(configDir, { recursive: true, force: true });
    process.exit(exitCode);
  }
  process.on("SIGINT", () => void stop(0));
  process.on("SIGTERM", () => void stop(0));

  await dispatcher.start();
  // Through the dispatcher, now that it serves: the first tenant, token and admin user of an
  // empty database, and this host's runs its previous life left running, closed as interrupted.
  let boot: Awaited<ReturnType<typeof domain.bootstrap>>;
  try {
    boot = await domain.bootstrap({ token: config.bootstrapToken, password: config.bootstrapPassword, startedAt });
  } catch (error) {
    log.error("host.bootstrap_failed", { error: (error as Error).message });
    return stop(1);
  }
  if (boot.interrupted > 0) log.warn("host.recovered", { interrupted: boot.interrupted });
  stopAnnouncing = announce(domain, hostId, peerAddress(peerSettings.host, peer.port));
  stopTicker = startTicker(`http://${local}/internal/tick`, secret, log);
  const stopAlerts = startAlertSender({ domain, log, egressPort: egress.port, egressSecret });
  stopSenders = stopAlerts;
  const base = config.listenUrl;
  log.info("host.ready", { url: base, dataDir: config.dataDir, runners: runners.stats() });
  process.stdout.write(
    `iota-scripts is up\n  admin:    ${base}/admin/\n  API:      ${base}/admin/api\n  scripts:  ${base}/api/scripts/\n  data:     ${config.dataDir}\n  limits:   ${containment.describe()}\n`,
  );
  if (boot.generatedToken) {
    process.stdout.write(`\nPlatform admin token (shown once, store it now):\n  ${boot.generatedToken}\n`);
  }
  if (boot.generatedPassword) {
    process.stdout.write(`\nAdmin sign-in (shown once): user "admin", password ${boot.generatedPassword}\n`);
  }
}

/** Says where this host's peer listener is now and every peerAnnounceMs, so the others know it is up. */
function announce(domain: DomainClient, hostId: string, address: string): () => void {
  const say = () => domain.announceHost(hostId, address).catch((error: Error) => log.warn("host.announce_failed", { error: error.message }));
  void say();
  log.info("host.peer_listening", { hostId, address });
  const timer = setInterval(say, peerAnnounceMs);
  timer.unref();
  return () => clearInterval(timer);
}

main().catch((error: Error) => {
  log.error("host.start_failed", { error: error.message });
  process.exit(1);
});
