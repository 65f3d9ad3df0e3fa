// `npm run bench`: the product's overhead, as ratios against baselines measured in this run.
// (a) a bare workerd "hello JSON" worker against (b) a trivial HTTP-endpoint script through the
// whole product, under the same wrk load; the first call after saving a new version (cold)
// against a warm one; events per second from POST /api/events to a finished delivery; and how
// long after its minute a scheduled run starts.
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../host/free-port.ts";
import { WorkerdProcess } from "../host/workerd-process.ts";
import { System } from "../test/support/system.ts";
import { percentile, printTable, round, writeResults } from "./stats.ts";
import { cpuPerUnit } from "./cpu.ts";
import { wrk } from "./wrk.ts";

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
/**
 * BENCH_PARTS: what runs besides the endpoint comparison: `dispatchers` (the same with
 * IOTA_DISPATCHERS=2), `cold`, and the older `events` and `cron` parts, which bench:events and
 * bench:cron measure in depth.
 */
const parts = new Set((process.env.BENCH_PARTS ?? "dispatchers,cold").split(","));
const connections = 32;

async function bareWorkerd(): Promise<{ url: string; stop: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "bench-bare-"));
  const port = await freePort();
  await writeFile(join(dir, "hello.js"), `export default { fetch() { return Response.json({ hello: "world" }); } };`);
  await writeFile(
    join(dir, "config.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = (modules = [(name = "hello.js", esModule = embed "hello.js")], compatibilityDate = "2026-11-01")) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);`,
  );
  const proc = new WorkerdProcess({ label: "bare", configFile: join(dir, "config.capnp"), healthUrl: `http://127.0.0.1:${port}/` });
  await proc.start();
  return { url: `http://127.0.0.1:${port}/`, stop: () => proc.terminate() };
}

/** The endpoint comparison's (b) on a product of its own, started with `env`. */
async function endpointLoad(env: Record<string, string>) {
  const system = await System.start({ env: { LOG_LEVEL: "error", TENANT_CONCURRENCY: "64", GLOBAL_CONCURRENCY: "128", IOTA_ADMIN_BUILD: "never", ...env } });
  try {
    const tenant = await system.tenant("bench");
    await system.api("PATCH", "/admin/api/tenants/bench", { maxConcurrency: 64 });
    await system.script(
      { name: "hello", kind: "http", path: "/hello", methods: ["GET"], access: "public", code: "export default () => ({ hello: 'world' })" },
      tenant.token,
    );
    const url = `${system.baseUrl}/api/tenants/bench/scripts/hello`;
    await wrk(url, { seconds: 2, connections }); // warm-up
    return await cpuPerUnit(
      () => wrk(url, { seconds, connections }),
      (r) => r.requests,
    );
  } finally {
    await system.destroy();
  }
}

async function coldVsWarm(system: System, token: string): Promise<{ coldMs: number[]; warmMs: number[] }> {
  const id = await system.script({ name: "cold", kind: "embedded", code: "export default () => 0" }, token);
  const coldMs: number[] = [];
  const warmMs: number[] = [];
  const invoke = async () => {
    const t0 = performance.now();
    const r = await fetch(`${system.baseUrl}/api/invoke/cold`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: "{}" });
    await r.text();
    return performance.now() - t0;
  };
  await invoke();
  for (let i = 1; i <= 20; i++) {
    await system.api("PATCH", `/admin/api/scripts/${id}`, { code: `export default () => ${i}` }, { token });
    coldMs.push(await invoke());
    warmMs.push(await invoke());
  }
  return { coldMs, warmMs };
}

/**
 * Events per second from the first publish to the last delivery finished: `count` events of
 * type bench.tick, one request each (`batch` 1) or `batch` per request, from 16 publishers.
 */
async function eventsPerSecond(system: System, token: string, consumerId: string, count: number, batch: number, prefix: string): Promise<number> {
  const before = (await system.api("GET", `/admin/api/executions?scriptId=${consumerId}&status=succeeded&limit=1`, undefined, { token })).body.items[0]?.id;
  const t0 = performance.now();
  const requests = Array.from({ length: Math.ceil(count / batch) }, (_, r) =>
    Array.from({ length: Math.min(batch, count - r * batch) }, (_, i) => ({
      id: `${prefix}-${r * batch + i}`,
      type: "bench.tick",
      payload: { n: r * batch + i },
    })),
  );
  await Promise.all(
    Array.from({ length: 16 }, async (_, w) => {
      for (let r = w; r < requests.length; r += 16) {
        const body = batch === 1 ? requests[r]![0] : { events: requests[r] };
        const answer = await system.api("POST", "/api/events", body, { token });
        if (answer.status !== 202) throw new Error(`publishing answered ${answer.status}: ${JSON.stringify(answer.body)}`);
      }
    }),
  );
  for (;;) {
    const usage = (await system.api("GET", "/admin/api/usage", undefined, { token })).body;
    const latest = (await system.api("GET", `/admin/api/executions?scriptId=${consumerId}&status=succeeded&limit=1`, undefined, { token })).body.items[0]?.id;
    if (usage.running === 0 && usage.queued === 0 && latest !== before) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return count / ((performance.now() - t0) / 1000);
}

async function cronDelays(system: System, token: string, scripts: number): Promise<number[]> {
  const ids: string[] = [];
  for (let i = 0; i < scripts; i++)
    ids.push(await system.script({ name: `tick-${i}`, kind: "scheduled", cron: "* * * * *", code: "export default () => 1" }, token));
  const boundary = Math.ceil((Date.now() + 1) / 60_000) * 60_000;
  await new Promise((r) => setTimeout(r, boundary - Date.now() + 5000));
  const delays: number[] = [];
  for (const id of ids) {
    const [e] = (await system.api("GET", `/admin/api/executions?scriptId=${id}&limit=1`, undefined, { token })).body.items;
    if (e?.startedAt) delays.push(Date.parse(e.startedAt) - boundary);
  }
  return delays.sort((a, b) => a - b);
}

// Processes that ended during a measured run: a runner killed under load (at its memory limit)
// is restarted, and its restart is then part of the figures.
const endedSplit = (ended: Record<string, number>) =>
  Object.entries(ended)
    .map(([k, v]) => `${v} ${k}`)
    .join(", ");

const cpuSplit = (cpu: Record<string, number>) =>
  `${cpu.total}${
    Object.keys(cpu).length > 2
      ? ` (${Object.entries(cpu)
          .filter(([k]) => k !== "total")
          .map(([k, v]) => `${k} ${v}`)
          .join(", ")})`
      : ""
  }`;

async function main(): Promise<void> {
  const bare = await bareWorkerd();
  await wrk(bare.url, { seconds: 2, connections }); // warm-up
  const { result: a, cpuUsPerUnit: aCpu } = await cpuPerUnit(
    () => wrk(bare.url, { seconds, connections }),
    (r) => r.requests,
  );
  await bare.stop();

  const system = await System.start({ env: { LOG_LEVEL: "error", TENANT_CONCURRENCY: "64", GLOBAL_CONCURRENCY: "128", IOTA_ADMIN_BUILD: "never" } });
  try {
    const tenant = await system.tenant("bench");
    await system.api("PATCH", "/admin/api/tenants/bench", { maxConcurrency: 64 });
    await system.script(
      { name: "hello", kind: "http", path: "/hello", methods: ["GET"], access: "public", code: "export default () => ({ hello: 'world' })" },
      tenant.token,
    );
    const url = `${system.baseUrl}/api/tenants/bench/scripts/hello`;
    await wrk(url, { seconds: 2, connections }); // warm-up
    const {
      result: b,
      cpuUsPerUnit: bCpu,
      ended: bEnded,
    } = await cpuPerUnit(
      () => wrk(url, { seconds, connections }),
      (r) => r.requests,
    );
    const cold = parts.has("cold") ? await coldVsWarm(system, tenant.token) : { coldMs: [0], warmMs: [0] };
    let eps = 0;
    let epsBatched = 0;
    let eventCpu: Record<string, number> = { total: 0 };
    let batchedCpu: Record<string, number> = { total: 0 };
    if (parts.has("events")) {
      const consumer = await system.script(
        { name: "consumer", kind: "event", events: ["bench.tick"], code: "export default (e) => e.payload.n" },
        tenant.token,
      );
      const events = 2000;
      ({ result: eps, cpuUsPerUnit: eventCpu } = await cpuPerUnit(
        () => eventsPerSecond(system, tenant.token, consumer, events, 1, "single"),
        () => events,
      ));
      const batched = 5000;
      ({ result: epsBatched, cpuUsPerUnit: batchedCpu } = await cpuPerUnit(
        () => eventsPerSecond(system, tenant.token, consumer, batched, 100, "batched"),
        () => batched,
      ));
    }
    const cron = parts.has("cron") ? await cronDelays(system, tenant.token, 20) : [0];

    let two: Awaited<ReturnType<typeof endpointLoad>> | undefined;
    if (parts.has("dispatchers")) two = await endpointLoad({ IOTA_DISPATCHERS: "2" });

    printTable([
      {
        case: "(a) bare workerd hello JSON",
        "req/s": round(a.requestsPerSec, 0),
        p50Ms: a.p50Ms,
        p99Ms: a.p99Ms,
        non2xx: a.non2xx,
        "CPU us/req": cpuSplit(aCpu),
        ended: "",
      },
      {
        case: "(b) HTTP-endpoint script, whole product",
        "req/s": round(b.requestsPerSec, 0),
        p50Ms: b.p50Ms,
        p99Ms: b.p99Ms,
        non2xx: b.non2xx,
        "CPU us/req": cpuSplit(bCpu),
        ended: endedSplit(bEnded),
      },
      ...(two
        ? [
            {
              case: "(c) the same, IOTA_DISPATCHERS=2",
              "req/s": round(two.result.requestsPerSec, 0),
              p50Ms: two.result.p50Ms,
              p99Ms: two.result.p99Ms,
              non2xx: two.result.non2xx,
              "CPU us/req": cpuSplit(two.cpuUsPerUnit),
              ended: endedSplit(two.ended),
            },
          ]
        : []),
    ]);
    const coldP50 = percentile(
      cold.coldMs.sort((x, y) => x - y),
      0.5,
    );
    const warmP50 = percentile(
      cold.warmMs.sort((x, y) => x - y),
      0.5,
    );
    const summary = {
      throughputRatio: round(b.requestsPerSec / a.requestsPerSec, 3),
      // What the throughput ratio would be on a machine doing nothing else: both runs are
      // CPU-bound, so requests/s go as the inverse of CPU per request.
      cpuRatio: round(aCpu.total! / bCpu.total!, 3),
      coldStartAddsMs: round(coldP50 - warmP50),
      eventsPerSecond: round(eps, 0),
      eventsPerSecondBatched: round(epsBatched, 0),
      cronDelayP50Ms: percentile(cron, 0.5),
      cronDelayP99Ms: percentile(cron, 0.99),
      twoDispatchersRatio: two ? round(two.result.requestsPerSec / a.requestsPerSec, 3) : undefined,
    };
    console.log(
      `\n(b)/(a) throughput: ${summary.throughputRatio} (target >= 0.18); by CPU per request: ${summary.cpuRatio}; CPU per call ${bCpu.total} us (target <= 550)`,
    );
    if (two) console.log(`(c)/(a) throughput with two dispatchers: ${summary.twoDispatchersRatio}; CPU per call ${two.cpuUsPerUnit.total} us`);
    if (parts.has("cold"))
      console.log(`cold start adds ${summary.coldStartAddsMs} ms at p50 (cold ${round(coldP50)} ms, warm ${round(warmP50)} ms; target <= +5 ms)`);
    if (parts.has("events"))
      console.log(
        `events end to end: ${summary.eventsPerSecond}/s one per request, ${summary.eventsPerSecondBatched}/s 100 per request (target >= 1000); CPU per event ${cpuSplit(eventCpu)} us, batched ${cpuSplit(batchedCpu)} us`,
      );
    if (parts.has("cron"))
      console.log(
        `cron start delay after the minute: p50 ${summary.cronDelayP50Ms} ms, p99 ${summary.cronDelayP99Ms} ms over ${cron.length} scripts (target p99 < 1000 ms)`,
      );
    const file = await writeResults("triggers", {
      seconds,
      connections,
      bare: { ...a, cpuUsPerRequest: aCpu },
      product: { ...b, cpuUsPerRequest: bCpu, processesEnded: bEnded },
      eventCpuUsPerEvent: eventCpu,
      batchedEventCpuUsPerEvent: batchedCpu,
      cold,
      cron,
      summary,
    });
    console.log(`written to ${file}`);
  } finally {
    await system.destroy();
  }
}

await main();
