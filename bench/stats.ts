// Small helpers shared by the benchmarks: percentiles, a table, and the results file.
import { mkdir, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

export interface LatencySummary {
  requests: number;
  ok: number;
  successRate: number;
  p50Ms: number;
  p99Ms: number;
}

export function summarise(latencies: number[], ok: number, requests: number): LatencySummary {
  const sorted = [...latencies].sort((a, b) => a - b);
  return { requests, ok, successRate: requests ? ok / requests : 0, p50Ms: round(percentile(sorted, 0.5)), p99Ms: round(percentile(sorted, 0.99)) };
}

export const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

export function printTable(rows: Record<string, string | number>[]): void {
  const keys = Object.keys(rows[0] ?? {});
  const widths = keys.map((k) => Math.max(k.length, ...rows.map((r) => String(r[k]).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ");
  console.log(line(keys));
  console.log(line(widths.map((w) => "-".repeat(w))));
  for (const r of rows) console.log(line(keys.map((k) => String(r[k]))));
}

export async function writeResults(name: string, data: unknown): Promise<string> {
  const dir = fileURLToPath(new URL("./results/", import.meta.url));
  await mkdir(dir, { recursive: true });
  const file = `${dir}${name}-${new Date().toISOString().replace(/[:.]/g, "-")}.json`;
  await writeFile(file, `${JSON.stringify(data, null, 2)}\n`);
  return file;
}
