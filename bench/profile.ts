// `npm run bench:profile`: where the CPU goes under endpoint load. Starts the product with the
// dispatcher's V8 inspector open (IOTA_INSPECT_DISPATCHER) and the host under --cpu-prof, drives
// a trivial HTTP-endpoint script with wrk, and writes both profiles to bench/results/ (open them
// in Chrome DevTools) with the functions that used the most CPU printed here.
import { readdirSync, readFileSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../host/free-port.ts";
import { System } from "../test/support/system.ts";
import { wrk } from "./wrk.ts";

const seconds = Number(process.env.BENCH_SECONDS ?? 6);
const results = fileURLToPath(new URL("./results/", import.meta.url));

interface Profile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

/** The functions with the most self time, as percentages of the profile. */
function top(profile: Profile, count = 15): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
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
    .slice(0, count)
    .map(([name, t]) => `${((t / total) * 100).toFixed(1).padStart(5)}%  ${name}`);
}

/** A minimal DevTools-protocol client over the inspector's WebSocket. */
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

await mkdir(results, { recursive: true });
const hostProfiles = join(results, `host-profile-${process.pid}`);
const inspectorPort = await freePort();
process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ""} --cpu-prof --cpu-prof-dir=${hostProfiles}`;
const system = await System.start({
  env: {
    LOG_LEVEL: "error",
    TENANT_CONCURRENCY: "64",
    GLOBAL_CONCURRENCY: "128",
    IOTA_ADMIN_BUILD: "never",
    IOTA_INSPECT_DISPATCHER: `127.0.0.1:${inspectorPort}`,
  },
});
delete process.env.NODE_OPTIONS;
const stamp = new Date().toISOString().replace(/[:.]/g, "-");
try {
  const tenant = await system.tenant("bench");
  await system.api("PATCH", "/admin/api/tenants/bench", { maxConcurrency: 64 });
  await system.script(
    { name: "hello", kind: "http", path: "/hello", methods: ["GET"], access: "public", code: "export default () => ({ hello: 'world' })" },
    tenant.token,
  );
  const url = `${system.baseUrl}/api/tenants/bench/scripts/hello`;
  await wrk(url, { seconds: 2, connections: 32 }); // warm-up
  const dispatcher = await inspector(inspectorPort);
  await dispatcher.send("Profiler.enable");
  await dispatcher.send("Profiler.start");
  const load = await wrk(url, { seconds, connections: 32 });
  const { profile } = await dispatcher.send<{ profile: Profile }>("Profiler.stop");
  dispatcher.close();
  const file = join(results, `dispatcher-${stamp}.cpuprofile`);
  await writeFile(file, JSON.stringify(profile));
  console.log(`${Math.round(load.requestsPerSec)} req/s over ${seconds} s\n\ndispatcher (${file}):\n${top(profile).join("\n")}`);
} finally {
  await system.destroy();
}
// The host writes its profile when it exits, covering its whole life, start-up included. Other
// Node processes it started (tsc for the SDK types) wrote theirs beside it.
for (const name of readdirSync(hostProfiles)) {
  const text = readFileSync(join(hostProfiles, name), "utf8");
  if (!text.includes("internal-server.ts")) continue;
  const file = join(results, `host-${stamp}.cpuprofile`);
  await rename(join(hostProfiles, name), file);
  console.log(`\nhost, start-up included (${file}):\n${top(JSON.parse(text) as Profile).join("\n")}`);
}
await rm(hostProfiles, { recursive: true, force: true });
