// What crosses the dispatcher -> host -> runner boundary for one execution. Plain data only:
// errors travel as `{ code, message, stack }`, never as thrown objects.
import type { Trigger } from "./lists.ts";
import type { ResponseEnvelope } from "./http-envelope.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface LogEntry {
  level: LogLevel;
  message: string;
  /** ISO 8601 time the line was written. */
  at: string;
}

export interface RunJob {
  executionId: string;
  tenantId: string;
  tenantSlug: string;
  scriptId: string;
  scriptName: string;
  version: number;
  /** sha256 of `code`: the loader caches isolates by it, so a new version never runs stale code. */
  codeHash: string;
  code: string;
  /** The input, already JSON-encoded. */
  input: string;
  trigger: Trigger;
  attempt: number;
  timeoutMs: number;
  memoryMb: number;
  /** The SDK version the script is written against. */
  sdkVersion?: string;
  /** Set by the host per execution: the key its log lines must carry on the runner's stdout. */
  logKey?: string;
  /**
   * HTTP-endpoint runs whose caller takes a streamed body: an answer whose body is still being
   * written when the script returns is streamed as it is written (see ResponseEnvelope.streamed).
   * Set by the dispatcher's runner, never by the domain.
   */
  stream?: boolean;
}

export type RunErrorCode =
  | "SCRIPT_ERROR"
  | "LOAD_ERROR"
  | "NO_DEFAULT_EXPORT"
  | "OUTPUT_NOT_SERIALIZABLE"
  | "OUTPUT_TOO_LARGE"
  /** An HTTP script's answer cannot be served: a status outside 200-599, bad headers, a body that is not bytes. */
  | "INVALID_RESPONSE"
  | "TIMEOUT"
  | "MEMORY_LIMIT"
  | "RUNNER_CRASHED"
  | "RUNNER_UNAVAILABLE"
  /** No runner process could be had for the tenant: none free, none idle to stop. It never ran. */
  | "RUNNER_BUSY"
  /**
   * The platform would not load the script's isolate as asked, so it never ran (workerd refusing
   * the live-log tail). Set only where the load failed, never from what a harness answered.
   */
  | "ISOLATE_REFUSED"
  | "CANCELLED";

export interface RunError {
  code: RunErrorCode;
  message: string;
  stack?: string;
  /** A thrown error's own `status` from 400 to 499: the script refuses its caller (an embedded call answers it). */
  status?: number;
}

export interface Progress {
  /** 0 to 100. */
  percent: number;
  message: string;
}

/** What the host knows of an execution while it runs, for live views. */
export interface LiveState {
  running: boolean;
  /** Log lines from index `after` on. */
  logs: LogEntry[];
  progress: Progress | null;
}

export interface OutboundRecord {
  method: string;
  url: string;
  host: string;
  status: number | null;
  bytes: number;
  ms: number;
  /** Why the platform refused it, when it did. */
  refused?: string;
}

export type RunStatus = "succeeded" | "failed" | "timed_out" | "interrupted" | "cancelled";

export interface RunResult {
  status: RunStatus;
  /** The return value, JSON-encoded; absent unless succeeded. */
  output?: string;
  error?: RunError;
  logs: LogEntry[];
  progress?: Progress | null;
  /** HTTP-endpoint runs: what to answer the caller. */
  response?: ResponseEnvelope;
  /** The script's outbound HTTP requests, as the egress proxy saw them. */
  outbound?: OutboundRecord[];
  startedAt: string;
  finishedAt: string;
  durationMs: number;
}

/**
 * How long past its deadline a run still marked running is closed as lost (its dispatcher died),
 * unless the host is told otherwise (IOTA_LOST_RUN_GRACE_MS).
 */
export const defaultLostRunGraceMs = 30_000;

/** The UTF-8 size of a string, the unit caps are stated in (a string's length counts UTF-16 units). */
export function utf8Bytes(text: string): number {
  // Counted from the UTF-16 units rather than with TextEncoder: the sandbox harness measures
  // output with this after user code ran, and a script can redefine what typed arrays report.
  // A lone surrogate counts 3, as TextEncoder writes it (U+FFFD).
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) continue;
    if (unit < 0x800) {
      bytes += 1;
    } else if (unit >= 0xd800 && unit < 0xdc00 && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2;
      i++;
    } else {
      bytes += 2;
    }
  }
  return bytes;
}

/** Caps that keep one execution's record bounded whatever the script does. */
export const runCaps = {
  maxLogLines: 1000,
  maxLogMessageChars: 8192,
  maxOutputBytes: 1024 * 1024,
  maxResponseBytes: 5 * 1024 * 1024,
  /** How much of an HTTP response body history keeps. */
  maxRecordedBodyChars: 64 * 1024,
  /** All of an execution's log messages together, in the record and on the live copy. */
  maxLogBytes: 1024 * 1024,
  maxResponseHeaderBytes: 64 * 1024,
  /**
   * The live copy (runner stdout, parsed by the host for live views and for runs whose process
   * is killed): log lines per second per script isolate, with a burst, and at most one progress
   * line per execution this often. The record still gets every line within the caps above.
   */
  liveLinesPerSecond: 100,
  liveLineBurst: 200,
  liveProgressIntervalMs: 250,
  /** How long a timed-out execution's ctx still works, so its abort handler can clean up. */
  cleanupGraceMs: 1000,
} as const;
