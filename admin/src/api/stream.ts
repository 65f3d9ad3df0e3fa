// Follows one execution live: its log lines and progress over server-sent events, then the
// final record. If the stream breaks, it falls back to polling the record until it is done.
// The stream is read with fetch rather than EventSource, which cannot send the X-Iota-Tenant
// header a platform admin's calls carry in a tenant they are not a member of.
import type { ExecutionDetail } from "../../../protocol/api.ts";
import type { LogEntry, Progress } from "../../../protocol/run.ts";
import { serverSentEvents } from "../../../protocol/sse.ts";
import { apiBase, tenantHeaders } from "./client.ts";
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
  const aborter = new AbortController();

  /** Handles one event; true once the execution has ended. */
  const handle = (event: string, data: string): boolean => {
    if (stopped) return true;
    if (event === "log") listener.log(JSON.parse(data) as LogEntry);
    else if (event === "progress") listener.progress(JSON.parse(data) as Progress);
    else if (event === "end") {
      listener.end(JSON.parse(data) as ExecutionDetail);
      return true;
    }
    return false;
  };

  async function stream(): Promise<void> {
    const response = await fetch(`${apiBase}/executions/${encodeURIComponent(id)}/stream`, {
      headers: { accept: "text/event-stream", ...tenantHeaders() },
      credentials: "same-origin",
      signal: aborter.signal,
    });
    if (!response.ok || !response.body) throw new Error(`the live stream answered ${response.status}`);
    for await (const { event, data } of serverSentEvents(response.body)) {
      if (handle(event, data)) {
        aborter.abort();
        return;
      }
    }
    throw new Error("the live stream ended before the execution did");
  }

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

  // A broken stream would replay from the start if reopened; poll the record instead.
  stream().catch(() => {
    if (!stopped) void poll();
  });

  return () => {
    stopped = true;
    aborter.abort();
  };
}
