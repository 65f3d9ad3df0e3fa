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
