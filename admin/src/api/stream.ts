// Follows one execution live: its log lines and progress over server-sent events, then the
// final record. If the stream breaks, it falls back to polling the record until it is done.
import type { ExecutionDetail } from "../../../protocol/api.ts";
import type { LogEntry, Progress } from "../../../protocol/run.ts";
import { apiBase } from "./client.ts";
import { api } from "./endpoints.ts";

export interface ExecutionListener {
  log(line: LogEntry): void;
  progress(progress: Progress): void;
  /** The finished execution, with every log line (replacing those streamed so far). */
  end(execution: ExecutionDetail): void;
  error(error: Error): void;
}

const finished = (e: ExecutionDetail) => e.status !== "queued" && e.status !== "running";

/** Starts following; the returned function stops it. */
export function followExecution(id: string, listener: ExecutionListener): () => void {
  let stopped = false;
  let source: EventSource | undefined = new EventSource(`${apiBase}/executions/${encodeURIComponent(id)}/stream`);
  const close = () => {
    source?.close();
    source = undefined;
  };
  const parse = <T,>(event: Event): T => JSON.parse((event as MessageEvent<string>).data) as T;

  source.addEventListener("log", (e) => listener.log(parse<LogEntry>(e)));
  source.addEventListener("progress", (e) => listener.progress(parse<Progress>(e)));
  source.addEventListener("end", (e) => {
    close();
    if (!stopped) listener.end(parse<ExecutionDetail>(e));
  });
  source.addEventListener("error", () => {
    // EventSource would reconnect and replay from the start; poll the record instead.
    close();
    if (!stopped) void poll();
  });

  async function poll(): Promise<void> {
    let delay = 300;
    while (!stopped) {
      try {
        const execution = await api.execution(id);
        if (execution.progress) listener.progress(execution.progress);
        if (finished(execution)) {
          if (!stopped) listener.end(execution);
          return;
        }
      } catch (e) {
        if (!stopped) listener.error(e as Error);
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 1.5, 2000);
    }
  }

  return () => {
    stopped = true;
    close();
  };
}
