// What the runner hands the harness for one execution, and what it gets back: plain data, so it
// crosses the Worker Loader's RPC boundary.
import type { LogEntry, Progress, RunError, RunJob } from "../../protocol/run.ts";
import type { ResponseEnvelope } from "../../protocol/http-envelope.ts";

export interface HarnessJob extends Omit<RunJob, "code" | "codeHash" | "memoryMb" | "logKey"> {
  logKey: string;
  /** Proves this execution's SDK calls and fetches to the runner; the script never sees it. */
  capabilityKey: string;
  /** Marks stdout lines as ours, so the host can recover logs if the process dies. */
  marker: string;
  deadline: string;
}

export interface HarnessResult {
  ok: boolean;
  output?: string;
  response?: ResponseEnvelope;
  error?: RunError;
  logs: LogEntry[];
  progress: Progress | null;
}

/**
 * Given by the runner to `run()` for a job with `stream` set: the harness calls it once, with
 * the answer's head (body null) and the body as it is written, when the script's Response has a
 * body still being written. The run's result comes when the body has ended or was cut.
 */
export type StreamOpener = (head: ResponseEnvelope, body: ReadableStream<Uint8Array>) => Promise<void>;
