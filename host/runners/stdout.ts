// What the host does with a runner's stdout lines (their format: protocol/live-lines.ts). A J
// line introduces the execution's key; every later line counts only with that key.
import { readLiveLine } from "../../protocol/live-lines.ts";
import type { LogEntry, Progress } from "../../protocol/run.ts";
import type { InFlight } from "./verdicts.ts";

export interface RunnerLineHandlers {
  find(executionId: string): InFlight | undefined;
  began(executionId: string, logKey: string, job: { tenantId: string; timeoutMs: number }): void;
  ended(executionId: string, keepLogs: boolean): void;
}

/** Applies one stdout line to its execution; false if the line is not one of ours. */
export function readRunnerLine(line: string, marker: string, on: RunnerLineHandlers): boolean {
  const read = readLiveLine(line, marker);
  if (read === undefined) return false;
  // Malformed, or a torn line from a process being killed: nothing to recover.
  if (read === null || read.data === undefined) return true;
  const { executionId, key, kind, data } = read;
  if (kind === "J") {
    const job = data as { tenantId?: unknown; timeoutMs?: unknown };
    if (typeof job.tenantId === "string" && typeof job.timeoutMs === "number" && key !== "")
      on.began(executionId, key, { tenantId: job.tenantId, timeoutMs: job.timeoutMs });
    return true;
  }
  const entry = on.find(executionId);
  if (!entry || key !== entry.job.logKey) return true;
  if (kind === "S") entry.started = true;
  else if (kind === "E") on.ended(executionId, (data as { keep?: unknown }).keep === true);
  else if (kind === "P") entry.progress = data as Progress;
  else if (kind === "L") entry.logs.push(data as LogEntry);
  return true;
}
