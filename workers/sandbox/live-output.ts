// The live copy of an execution's logs and progress: lines on the runner's stdout, which the host
// parses for live views and keeps for a run whose process it has to kill. The host pays for every
// line, so the copy is rate-capped here, before it leaves the isolate: log lines share one token
// bucket per isolate, and progress goes out at most every liveProgressIntervalMs per execution
// (the latest kept; the final one travels back in the result anyway). The live lines are always
// a prefix of the record, in order (the live stream relies on it): a copy that falls behind
// catches up as tokens come back, and what it never sent is still in the result.
import { liveLine } from "../../protocol/live-lines.ts";
import { runCaps, type LogEntry, type Progress } from "../../protocol/run.ts";
import { clearTimer, now, setTimer, stringify } from "./captured.ts";

// Taken before the harness replaces console's methods with its own recorders.
const write = console.log.bind(console);

export interface LiveCopy {
  readonly marker: string;
  readonly executionId: string;
  /** The host ignores a line whose key is not this execution's: no script can write into another's record. */
  readonly logKey: string;
  /** The execution's record; the live copy has sent its first `sent` lines. */
  readonly logs: readonly LogEntry[];
  sent: number;
  flushTimer: number | undefined;
  progress: Progress | null;
  progressSentAt: number;
  progressTimer: number | undefined;
  ended: boolean;
}

// One bucket for every execution in this isolate: concurrent executions of a script share it.
const bucket = { tokens: runCaps.liveLineBurst as number, at: now() };

function takeToken(): boolean {
  const t = now();
  const refilled = bucket.tokens + ((t - bucket.at) * runCaps.liveLinesPerSecond) / 1000;
  bucket.tokens = Math.min(refilled, runCaps.liveLineBurst);
  bucket.at = t;
  if (bucket.tokens < 1) return false;
  bucket.tokens -= 1;
  return true;
}

function writeLine(copy: LiveCopy, kind: "L" | "P" | "S", data: LogEntry | Progress | Record<string, never>): void {
  write(liveLine(copy.marker, copy.executionId, copy.logKey, kind, stringify(data)));
}

export function openLive(identity: Pick<LiveCopy, "marker" | "executionId" | "logKey" | "logs">): LiveCopy {
  const copy: LiveCopy = { ...identity, sent: 0, flushTimer: undefined, progress: null, progressSentAt: -Infinity, progressTimer: undefined, ended: false };
  // Tells the host this execution got the process: one that never did (the process was held by
  // work an earlier execution left running) is not to blame for its deadline. Always the first line.
  writeLine(copy, "S", {});
  return copy;
}

/** Sends what the record has that the copy has not, as far as the bucket allows; the rest later. */
export function flushLogs(copy: LiveCopy): void {
  while (!copy.ended && copy.sent < copy.logs.length && takeToken()) writeLine(copy, "L", copy.logs[copy.sent++]!);
  if (copy.ended || copy.sent >= copy.logs.length || copy.flushTimer !== undefined) return;
  copy.flushTimer = setTimer(() => {
    copy.flushTimer = undefined;
    flushLogs(copy);
  }, 1000 / runCaps.liveLinesPerSecond);
}

export function showProgress(copy: LiveCopy, progress: Progress): void {
  copy.progress = progress;
  if (copy.ended) return;
  const wait = copy.progressSentAt + runCaps.liveProgressIntervalMs - now();
  if (wait <= 0) {
    sendProgress(copy);
    return;
  }
  if (copy.progressTimer !== undefined) return;
  copy.progressTimer = setTimer(() => {
    copy.progressTimer = undefined;
    if (!copy.ended) sendProgress(copy);
  }, wait);
}

function sendProgress(copy: LiveCopy): void {
  copy.progressSentAt = now();
  writeLine(copy, "P", copy.progress!);
}

export function endLive(copy: LiveCopy): void {
  copy.ended = true;
  clearTimer(copy.flushTimer);
  clearTimer(copy.progressTimer);
  copy.flushTimer = copy.progressTimer = undefined;
}
