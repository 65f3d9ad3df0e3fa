// Streamed HTTP answers against buffered ones, in one run of the product (loopback only):
// (a) a JSON value, (b) `new Response("text")` (read by the harness, complete at once, so sent in
// one piece), both under wrk; (c) a 4 MB body written in 64 KB chunks, streamed, read whole by
// sequential callers. CPU per request (or per MB) summed over the product's processes, from /proc.
import { mkdirSync, writeFileSync } from "node:fs";
import { descendantsCpuMs } from "./cpu.ts";
import { wrk } from "./wrk.ts";
import { System } from "../test/support/system.ts";

const seconds = 8;
const connections = 16;
const streamedCalls = 20;

function cpuTotal(): number {
  return Object.values(descendantsCpuMs()).reduce((a, b) => a + b, 0);
}

async function main(): Promise<void> {
  const system = await System.start({ env: { LOG_LEVEL: "error", IOTA_ADMIN_BUILD: "never" } });
  try {
    const tenant = await system.tenant("bench");
    await system.api("PATCH", "/admin/api/tenants/bench", { maxConcurrency: 64 });
    const endpoint = (name: string, code: string) =>
      system.script({ name, kind: "http", path: `/${name}`, methods: ["GET"], access: "public", code }, tenant.token);
    await endpoint("json", "export default () => ({ hello: 'world' })");
    await endpoint("text", `export default () => new Response("hello world", { headers: { "content-type": "text/plain" } })`);
    await endpoint(
      "stream",
      `export default () => {
        let n = 0;
        const chunk = new Uint8Array(64 * 1024).fill(120);
        return new Response(new ReadableStream({
          async pull(c) {
            if (n === 0) await new Promise((r) => setTimeout(r, 20));
            if (n++ === 64) return c.close();
            c.enqueue(chunk.slice());
          },
        }));
      }`,
    );
    const url = (name: string) => `${system.baseUrl}/api/tenants/bench/scripts/${name}`;
    const rows: Record<string, unknown>[] = [];
    for (const name of ["json", "text"]) {
      await wrk(url(name), { seconds: 2, connections });
      const before = cpuTotal();
      const r = await wrk(url(name), { seconds, connections });
      const cpu = cpuTotal() - before;
      rows.push({
        case: name,
        "req/s": Math.round(r.requestsPerSec),
        p50Ms: r.p50Ms,
        p99Ms: r.p99Ms,
        non2xx: r.non2xx,
        "CPU us/req": Math.round((cpu * 1000) / r.requests),
      });
    }
    let bytes = 0;
    const firstByteMs: number[] = [];
    const before = cpuTotal();
    const started = Date.now();
    for (let i = 0; i < streamedCalls; i++) {
      const t0 = performance.now();
      const response = await fetch(url("stream"));
      if (response.headers.get("content-length") !== null) throw new Error("the 4 MB answer was not streamed");
      const reader = response.body!.getReader();
      let first = true;
      try {
        for (;;) {
          const chunk = await reader.read();
          if (chunk.done) break;
          if (first) firstByteMs.push(performance.now() - t0);
          first = false;
          bytes += chunk.value.byteLength;
        }
      } catch (e) {
        const id = response.headers.get("x-iota-execution-id");
        const record = await system.waitForExecution(id!, 20_000, tenant.token);
        throw new Error(
          `streamed call ${i} broke off (${String(e)}): ${JSON.stringify({ ...record, input: undefined, output: { ...record.output, body: undefined } })}`,
        );
      }
    }
    const elapsed = (Date.now() - started) / 1000;
    const cpu = cpuTotal() - before;
    const mb = bytes / 1024 / 1024;
    firstByteMs.sort((a, b) => a - b);
    rows.push({
      case: "stream 4 MB",
      "MB/s": Math.round((mb / elapsed) * 10) / 10,
      "first byte p50 ms": Math.round(firstByteMs[firstByteMs.length >> 1]!),
      "CPU ms/MB": Math.round((cpu / mb) * 10) / 10,
      "CPU ms/call": Math.round(cpu / streamedCalls),
    });
    console.table(rows);
    mkdirSync("bench/results", { recursive: true });
    writeFileSync(`bench/results/streaming-${new Date().toISOString().replace(/[:.]/g, "-")}.json`, JSON.stringify(rows, null, 2));
  } finally {
    await system.destroy();
  }
}

await main();
