// One execution's record as the harness keeps it (logs, progress, the secrets it read), and the
// per-execution store that tells platform code which execution is calling. The store also holds
// that execution's capability key, so the harness reaches it only through references it took
// before any script code ran: a script can patch AsyncLocalStorage (node:async_hooks) and would
// otherwise read another execution's sink.
import { AsyncLocalStorage } from "node:async_hooks";
import { runCaps, utf8Bytes, type LogEntry, type LogLevel, type Progress } from "../../protocol/run.ts";
import { apply, isFiniteNumber, isoNow, now, PlatformTypeError, round, setTimer, toText } from "./captured.ts";
import { formatLogArgs } from "./format.ts";
import type { StreamState } from "./http.ts";
import type { HarnessJob } from "./job.ts";
import { endLive, flushLogs, openLive, showProgress, type LiveCopy } from "./live-output.ts";

export interface Sink {
  job: HarnessJob;
  logs: LogEntry[];
  logBytes: number;
  dropped: number;
  /** Set once the execution has ended: from then on its ctx refuses every call. */
  closed: boolean;
  /** When a timed-out execution's cleanup grace ends, whether or not its closing timer ever runs. */
  closesAt: number;
  progress: Progress | null;
  /** Secret values this execution read: never written to its logs, errors or output. */
  secrets: string[];
  /** SDK calls under way, and those waiting for one of them to end (see maxSdkCallsInFlight). */
  sdkInFlight: number;
  sdkWaiting: (() => void)[];
  live: LiveCopy;
  /** An HTTP answer being streamed, while it is (see http.ts). */
  stream?: StreamState;
}

const sinks = new AsyncLocalStorage<Sink>();
const storeOf = AsyncLocalStorage.prototype.getStore;
const runWith = AsyncLocalStorage.prototype.run;
Object.freeze(AsyncLocalStorage.prototype);
Object.freeze(AsyncLocalStorage);

/** The execution whose code is running now, wherever the call came from. */
export const currentSink = (): Sink | undefined => apply(storeOf, sinks, []) as Sink | undefined;

export function runInSink<T>(sink: Sink, work: () => T): T {
  return apply(runWith, sinks, [sink, work]) as T;
}

export function openSink(job: HarnessJob): Sink {
  const logs: LogEntry[] = [];
  const live = openLive({ marker: job.marker, executionId: job.executionId, logKey: job.logKey, logs });
  return { job, logs, logBytes: 0, dropped: 0, closed: false, closesAt: Infinity, progress: null, secrets: [], sdkInFlight: 0, sdkWaiting: [], live };
}

/** Text as history can keep it: SQLite cuts stored text at NUL, so NUL is shown as ␀. */
function storable(text: string): string {
  return text.includes("\u0000") ? text.replaceAll("\u0000", "\u2400") : text;
}

export function mask(text: string, secrets: readonly string[]): string {
  for (const secret of secrets) text = text.split(secret).join("***");
  return text;
}

export function record(sink: Sink, level: LogLevel, args: unknown[]): void {
  if (sink.closed) return;
  if (sink.logs.length >= runCaps.maxLogLines || sink.logBytes >= runCaps.maxLogBytes) {
    sink.dropped++;
    return;
  }
  let message = storable(mask(formatLogArgs(args), sink.secrets));
  if (message.length > runCaps.maxLogMessageChars) {
    message = `${message.slice(0, runCaps.maxLogMessageChars)}… [truncated ${message.length - runCaps.maxLogMessageChars} chars]`;
  }
  const bytes = utf8Bytes(message);
  if (sink.logBytes + bytes > runCaps.maxLogBytes) {
    // Past the budget nothing more is kept, so the record never has gaps in the middle.
    sink.logBytes = runCaps.maxLogBytes;
    sink.dropped++;
    return;
  }
  sink.logBytes += bytes;
  sink.logs.push({ level, message, at: isoNow() });
  flushLogs(sink.live);
}

export function setProgress(sink: Sink, percent: unknown, message: unknown): void {
  if (typeof percent !== "number" || !isFiniteNumber(percent))
    throw new PlatformTypeError("ctx.progress(percent, message?): percent must be a number from 0 to 100");
  const clamped = percent > 100 ? 100 : percent < 0 ? 0 : percent;
  const progress: Progress = {
    percent: round(clamped * 10) / 10,
    message: message === undefined ? "" : storable(mask(toText(message), sink.secrets)).slice(0, 500),
  };
  sink.progress = progress;
  showProgress(sink.live, progress);
}

/** The logs to return: a copy, with a last line saying how many did not fit. */
export function recordedLogs(sink: Sink): LogEntry[] {
  const logs = sink.logs.slice();
  if (sink.dropped > 0) {
    logs.push({
      level: "warn",
      message: `${sink.dropped} more log lines were dropped: an execution keeps at most ${runCaps.maxLogLines} lines and ${runCaps.maxLogBytes} bytes of logs`,
      at: isoNow(),
    });
  }
  return logs;
}

/** Whether the execution has ended: its ctx and fetch() refuse from then on. */
export function ended(sink: Sink): boolean {
  return sink.closed || now() >= sink.closesAt;
}

/** A timed-out execution: its ctx works for the cleanup grace, then dies like any other. */
export function closeAfterGrace(sink: Sink): void {
  endLive(sink.live);
  sink.closesAt = now() + runCaps.cleanupGraceMs;
  setTimer(() => closeSink(sink), runCaps.cleanupGraceMs);
}

export function closeSink(sink: Sink): void {
  sink.closed = true;
  endLive(sink.live);
}
