// The lines a runner writes to stdout for the host: `<RS><marker> <execution>.<key> <kind><json>`.
// The runner's own entry writes J (a job began: its tenant and timeout) and E (it ended); the
// harness writes S (the script got the process), L (a log line) and P (progress). A J line
// introduces the execution's key; every later line counts only with that key, so no script can
// write into another's record (scripts never learn the marker, and never another's key).
import type { LogEntry, Progress } from "../../protocol/run.ts";
import type { InFlight } from "./verdicts.ts";

export interface RunnerLineHandlers {
  find(executionId: string): InFlight | undefined;
  began(executionId: string, logKey: string, job: { tenantId: string; timeoutMs: number }): void;
  ended(executionId: string, keepLogs: boolean): void;
}

/** Applies one stdout line to its execution; false if the line is not one of ours. */
export function readRunnerLine(line: string, marker: string, on: RunnerLineHandlers): boolean {
  const prefix = `\u001e${marker} `;
  if (!line.startsWith(prefix)) return false;
  const rest = line.slice(prefix.length);
  const space = rest.indexOf(" ");
  if (space < 0) return true;
  const [executionId = "", key = ""] = rest.slice(0, space).split(".");
  const kind = rest[space + 1];
  let data: unknown;
  try {
    data = JSON.parse(rest.slice(space + 2));
  } catch {
    return true; // a torn line from a process being killed: nothing to recover
  }
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
