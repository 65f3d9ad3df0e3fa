// `npm run bench:events`: events per second from `POST /api/events` (100 per request) to a
// finished, recorded delivery, and the CPU each event costs per process (read from /proc). Only
// the events path, so a change to it can be measured in a minute.
//
//   BENCH_EVENTS=5000     events per round (default 5000)
//   BENCH_ROUNDS=3        rounds, each on fresh event ids; the first is also the warm-up
//   BENCH_BATCH=100       events per request
//   BENCH_SUBSCRIBERS=1   event scripts subscribed to the type (deliveries = events x this)
//   BENCH_PROFILE=1       also write CPU profiles of the dispatcher (inspector) and the host
//                         (--cpu-prof, start-up included) to bench/results/ for the last round
//
// Every round checks that each event got exactly one succeeded delivery per subscriber.
import { readdirSync, readFileSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../host/free-port.ts";
import { System } from "../test/support/system.ts";
import { cpuPerUnit } from "./cpu.ts";
import { printTable, round, writeResults } from "./stats.ts";

const count = Number(process.env.BENCH_EVENTS ?? 5000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const batch = Number(process.env.BENCH_BATCH ?? 100);
const subscribers = Number(process.env.BENCH_SUBSCRIBERS ?? 1);
const profiling = process.env.BENCH_PROFILE === "1";
const publishers = 8;
const results = fileURLToPath(new URL("./results/", import.meta.url));
for (const [name, n] of Object.entries({ count, rounds, batch, subscribers }))
  if (!Number.isInteger(n) || n < 1) throw new Error(`BENCH_${name.toUpperCase()} must be a positive integer`);

interface Profile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

/** The functions with the most self time, as percentages of the profile. */
function top(profile: Profile, n = 25): string[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)!.callFrame;
    const name = `${frame.functionName || "(anonymous)"} ${frame.url.split("/").slice(-2).join("/")}:${frame.lineNumber + 1}`;
    const dt = profile.timeDeltas[i] ?? 0;
    self.set(name, (self.get(name) ?? 0) + dt);
    total += dt;
  });
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, t]) => `${((t / total) * 100).toFixed(1).padStart(5)}%  ${name}`);
}

/** A minimal DevTools-protocol client over the dispatcher's inspector WebSocket. */
async function inspector(port: number) {
  const [target] = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { webSocketDebuggerUrl: string }[];
  const ws = new WebSocket(target!.webSocketDebuggerUrl.replace("localhost", "127.0.0.1"));
  await new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve);
    ws.addEventListener("error", reject);
  });
  let next = 0;
  const waiting = new Map<number, (result: unknown) => void>();
  ws.addEventListener("message", (event) => {
    const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown };
    if (message.id !== undefined) waiting.get(message.id)?.(message.result);
  });
  const send = <T>(method: string) =>
    new Promise<T>((resolve) => {
      const id = ++next;
      waiting.set(id, resolve as (result: unknown) => void);
      ws.send(JSON.stringify({ id, method, params: {} }));
    });
  return { send, close: () => ws.close() };
}

/** Succeeded deliveries per script so far (from the history stats, which count by status). */
async function succeeded(system: System, token: string, scriptId: string): Promise<number> {
  const stats = await system.api("GET", `/admin/api/stats/executions?days=1&scriptId=${scriptId}`, undefined, { token });
  if (stats.status !== 200) throw new Error(`stats answered ${stats.status}: ${JSON.stringify(stats.body)}`);
  return stats.body.days.reduce((n: number, d: { counts: Record<string, number> }) => n + (d.counts.succeeded ?? 0), 0);
}

/**
 * Publishes `count` new events, `batch` per request from `publishers` concurrent publishers, and
 * waits until nothing of the tenant runs or waits: every delivery was stored before its 202, so
 * that is when the last one finished. Answers the seconds from the first publish to then.
 */
async function publishRound(system: System, token: string, prefix: string): Promise<{ seconds: number; publishSeconds: number }> {
  const requests = Array.from({ length: Math.ceil(count / batch) }, (_, r) =>
    Array.from({ length: Math.min(batch, count - r * batch) }, (_, i) => ({
      id: `${prefix}-${r * batch + i}`,
      type: "bench.tick",
      payload: { n: r * batch + i },
    })),
  );
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: publishers }, async (_, w) => {
      for (let r = w; r < requests.length; r += publishers) {
        const answer = await system.api("POST", "/api/events", { events: requests[r] }, { token });
        if (answer.status !== 202) throw new Error(`publishing answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      }
    }),
  );
  const publishSeconds = (performance.now() - t0) / 1000;
  const deadline = Date.now() + 600_000;
  for (;;) {
    const usage = (await system.api("GET", "/admin/api/usage", undefined, { token })).body;
    if (usage.running === 0 && usage.queued === 0) break;
    if (Date.now() > deadline) throw new Error(`deliveries still going after 10 minutes: ${JSON.stringify(usage)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return { seconds: (performance.now() - t0) / 1000, publishSeconds };
}

await mkdir(results, { recursive: true });
const hostProfiles = join(results, `host-profile-${process.pid}`);
const inspectorPort = profiling ? await freePort() : 0;
const env: Record<string, string> = { LOG_LEVEL: "error", TENANT_CONCURRENCY: "64", GLOBAL_CONCURRENCY: "128", IOTA_ADMIN_BUILD: "never" };
if (profiling) {
  env.IOTA_INSPECT_DISPATCHER = `127.0.0.1:${inspectorPort}`;
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ""} --cpu-prof --cpu-prof-dir=${hostProfiles}`;
}
const system = await System.start({ env });
if (profiling) delete process.env.NODE_OPTIONS;
const stamp = new Date().toISOString().replace(/[:.]/g, "-");
const rows: Record<string, string | number>[] = [];
const measured: { eventsPerSecond: number; cpuUsPerEvent: Record<string, number> }[] = [];
try {
  const tenant = await system.tenant("bench");
  const limit = await system.api("PATCH", "/admin/api/tenants/bench", { maxConcurrency: 64 });
  if (limit.status !== 200) throw new Error(`raising the tenant's limit answered ${limit.status}`);
  const consumers: string[] = [];
  for (let s = 0; s < subscribers; s++)
    consumers.push(
      await system.script({ name: `consumer-${s}`, kind: "event", events: ["bench.tick"], code: "export default (e) => e.payload.n" }, tenant.token),
    );
  for (let r = 1; r <= rounds; r++) {
    const profileThis = profiling && r === rounds;
    const dispatcher = profileThis ? await inspector(inspectorPort) : undefined;
    if (dispatcher) {
      await dispatcher.send("Profiler.enable");
      await dispatcher.send("Profiler.start");
    }
    const { result, cpuUsPerUnit } = await cpuPerUnit(
      () => publishRound(system, tenant.token, `r${r}`),
      () => count,
    );
    if (dispatcher) {
      const { profile } = await dispatcher.send<{ profile: Profile }>("Profiler.stop");
      dispatcher.close();
      const file = join(results, `events-dispatcher-${stamp}.cpuprofile`);
      await writeFile(file, JSON.stringify(profile));
      console.log(`\ndispatcher, round ${r} (${file}):\n${top(profile).join("\n")}`);
    }
    for (const id of consumers) {
      const done = await succeeded(system, tenant.token, id);
      if (done !== count * r) throw new Error(`consumer ${id}: ${done} succeeded deliveries after round ${r}, expected ${count * r}`);
    }
    const eventsPerSecond = count / result.seconds;
    measured.push({ eventsPerSecond, cpuUsPerEvent: cpuUsPerUnit });
    rows.push({
      round: r,
      events: count,
      deliveries: count * subscribers,
      "publish s": round(result.publishSeconds),
      "total s": round(result.seconds),
      "events/s": round(eventsPerSecond, 0),
      "CPU us/event": cpuUsPerUnit.total!,
      dispatcher: cpuUsPerUnit.dispatcher ?? 0,
      host: cpuUsPerUnit.host ?? 0,
      runner: cpuUsPerUnit.runner ?? 0,
    });
  }
  printTable(rows);
  // The first round warms the runner and the caches; the rest are the figures.
  const warm = measured.length > 1 ? measured.slice(1) : measured;
  const best = Math.max(...warm.map((m) => m.eventsPerSecond));
  const cpu = Math.min(...warm.map((m) => m.cpuUsPerEvent.total!));
  console.log(`\nwarm rounds: best ${round(best, 0)} events/s, least CPU ${cpu} us/event (batch ${batch}, ${subscribers} subscriber(s))`);
  const file = await writeResults("events", { count, rounds, batch, subscribers, publishers, rows, measured });
  console.log(`written to ${file}`);
} finally {
  await system.destroy();
}
if (profiling) {
  // The host writes its profile when it exits; other Node processes it started wrote theirs beside it.
  for (const name of readdirSync(hostProfiles)) {
    const text = readFileSync(join(hostProfiles, name), "utf8");
    if (!text.includes("internal-server.ts")) continue;
    const file = join(results, `events-host-${stamp}.cpuprofile`);
    await rename(join(hostProfiles, name), file);
    console.log(`\nhost, start-up included (${file}):\n${top(JSON.parse(text) as Profile).join("\n")}`);
  }
  await rm(hostProfiles, { recursive: true, force: true });
}
