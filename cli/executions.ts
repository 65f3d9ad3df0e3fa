// How an execution reads in a terminal: its log lines, and one line for how it ended.
import type { ExecutionDetail } from "../protocol/api.ts";

type LogLine = ExecutionDetail["logs"][number];

export const finished = (status: string) => status !== "queued" && status !== "running";

/** Only a success is a success: a timed-out, interrupted or cancelled run failed too, for CI. */
export const succeeded = (status: string) => status === "succeeded";

export function logLine(line: LogLine): string {
  // The time of day in UTC, to the millisecond: lines of one run are close together.
  return `${line.at.slice(11, 23)} ${line.level.padEnd(5)} ${line.message}`;
}

export function outcome(execution: ExecutionDetail): string {
  const took = execution.durationMs === null ? "" : ` in ${execution.durationMs} ms`;
  const head = `${execution.status}${took} (execution ${execution.id}, ${execution.scriptName ?? execution.scriptId} version ${execution.version})`;
  if (!execution.error) return head;
  // The script's own error and stack (its lines, script.js:3:15), not ours.
  const code = execution.error.code ? `${execution.error.code}: ` : "";
  return `${head}\n${execution.error.stack ?? `${code}${execution.error.message}`}`;
}

export const pretty = (value: unknown) => JSON.stringify(value, null, 2) ?? "undefined";
