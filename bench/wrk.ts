// Runs Debian's wrk against a loopback URL (installing it with apt if it is missing) and reads
// requests/s and latency percentiles from its report.
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface WrkResult {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
}

function ensureWrk(): void {
  if (spawnSync("which", ["wrk"]).status === 0) return;
  execFileSync("apt-get", ["install", "-y", "wrk"], { stdio: "inherit" });
}

const toMs = (value: string) => {
  const m = /^([\d.]+)(us|ms|s)$/.exec(value.trim());
  if (!m) return NaN;
  return Number(m[1]) * (m[2] === "us" ? 0.001 : m[2] === "s" ? 1000 : 1);
};

// Async on purpose: a benchmark that blocks its event loop stops draining the host's output
// pipes, and the host then stalls writing its logs.
export async function wrk(url: string, options: { seconds: number; connections: number; headers?: Record<string, string> }): Promise<WrkResult> {
  if (!/^http:\/\/(127\.|localhost|\[::1\])/.test(url)) throw new Error("benchmarks target loopback only");
  ensureWrk();
  const script = join(tmpdir(), `wrk-report-${process.pid}.lua`);
  // A report with exact percentiles and the count of non-2xx answers.
  writeFileSync(
    script,
    `done = function(summary, latency, requests)
  io.write(string.format("REPORT %d %d %.3f %.3f\\n", summary.requests, summary.errors.status, latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
`,
  );
  const args = ["-t2", `-c${options.connections}`, `-d${options.seconds}s`, "--latency", "-s", script];
  for (const [k, v] of Object.entries(options.headers ?? {})) args.push("-H", `${k}: ${v}`);
  const { stdout: out } = await promisify(execFile)("wrk", [...args, url], { encoding: "utf8" });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const report = /REPORT (\d+) (\d+) ([\d.]+) ([\d.]+)/.exec(out);
  return { requestsPerSec: rps, requests: Number(report?.[1]), non2xx: Number(report?.[2]), p50Ms: Number(report?.[3]), p99Ms: Number(report?.[4]) };
}

export { toMs };
