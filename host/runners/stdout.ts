// The lines a runner's harness writes to stdout for the host: `<RS><marker> <execution>.<key>
// <kind><json>`, kind L (a log line), P (progress) or S (the execution got the process). A line
// counts only with its execution's own key, so no script can write into another's record.
import type { LogEntry, Progress } from "../../protocol/run.ts";
import type { InFlight } from "./verdicts.ts";

/** Applies one stdout line to its execution; false if the line is not one of ours. */
export function readRunnerLine(line: string, marker: string, find: (executionId: string) => InFlight | undefined): boolean {
  const prefix = `\u001e${marker} `;
  if (!line.startsWith(prefix)) return false;
  const rest = line.slice(prefix.length);
  const space = rest.indexOf(" ");
  if (space < 0) return true;
  const [executionId, key] = rest.slice(0, space).split(".");
  const entry = find(executionId ?? "");
  if (!entry || key !== entry.job.logKey) return true;
  const kind = rest[space + 1];
  if (kind === "S") {
    entry.started = true;
    return true;
  }
  try {
    const data: unknown = JSON.parse(rest.slice(space + 2));
    if (kind === "P") entry.progress = data as Progress;
    else entry.logs.push(data as LogEntry);
  } catch {
    // a torn line from a process being killed: nothing to recover
  }
  return true;
}
