// What each execution in a runner process is told when the process dies, by cause. One tenant
// per process, so the question is never which tenant but which of its executions: the one that
// held the process past its deadline (or after it was cancelled), the one (if alone) that took
// too much memory, or none of them. An execution that never got the process (the harness never
// said it started) is always innocent and runs again.
import type { LogEntry, OutboundRecord, Progress, RunError, RunJob, RunResult } from "../../protocol/run.ts";

export type Cause = "timeout" | "memory" | "background" | "crash" | "cancel";

export interface InFlight {
  /** What the runner told of the job when it began (its J line). */
  job: Pick<RunJob, "executionId" | "tenantId" | "timeoutMs"> & { logKey: string };
  logs: LogEntry[];
  outbound: OutboundRecord[];
  progress: Progress | null;
  /** When the run was first handed to a runner (it may have been started again since). */
  startedAt: number;
  /** The harness began running the script (its start line reached us). */
  started: boolean;
  deadline: number;
  /** Who cancelled it, once someone did: whatever happens next, it ends cancelled. */
  cancelledBy?: string;
  settle(result: RunResult | "again"): void;
}

/** What a cancelled execution's record says. */
export function cancelledError(entry: Pick<InFlight, "started" | "cancelledBy">): RunError {
  return { code: "CANCELLED", message: `cancelled by ${entry.cancelledBy ?? "someone"} ${entry.started ? "while it ran" : "before it started"}` };
}

export function attribute(victims: InFlight[], cause: Cause, killedFor: string | undefined, limitMb: number): [InFlight, RunResult | "again"][] {
  const now = Date.now();
  const running = victims.filter((v) => v.started);
  return victims.map((entry): [InFlight, RunResult | "again"] => {
    const out = (status: RunResult["status"], error: RunError) => ended(entry.startedAt, status, error, entry);
    if (entry.cancelledBy !== undefined) return [entry, out("cancelled", cancelledError(entry))];
    if (entry.job.executionId === killedFor) {
      return [
        entry,
        entry.started
          ? out("timed_out", { code: "TIMEOUT", message: `the script ran past its ${entry.job.timeoutMs} ms timeout and was stopped` })
          : out("interrupted", {
              code: "RUNNER_CRASHED",
              message: "interrupted: it never started, because work another execution of this tenant left running held the runner",
            }),
      ];
    }
    if (!entry.started) return [entry, "again"];
    switch (cause) {
      case "timeout":
        return [
          entry,
          now >= entry.deadline
            ? out("timed_out", { code: "TIMEOUT", message: `the script ran past its ${entry.job.timeoutMs} ms timeout and was stopped` })
            : out("interrupted", {
                code: "RUNNER_CRASHED",
                message: "interrupted: another execution of this tenant ran past its timeout and its runner had to be stopped",
              }),
        ];
      case "memory":
        return [
          entry,
          running.length === 1
            ? out("failed", {
                code: "MEMORY_LIMIT",
                message: `the script went past its memory limit (${limitMb} MB, everything it holds: heap, ArrayBuffers, Wasm memory) and was stopped`,
              })
            : out("interrupted", {
                code: "MEMORY_LIMIT",
                message: `interrupted: this tenant's executions running together went past their runner's memory limit (${limitMb} MB)`,
              }),
        ];
      case "background":
        return [
          entry,
          out("interrupted", {
            code: "RUNNER_CRASHED",
            message: "interrupted: the runner was stopped for work an earlier execution of this tenant left running",
          }),
        ];
      case "cancel":
        return [
          entry,
          out("interrupted", {
            code: "RUNNER_CRASHED",
            message: "interrupted: another execution of this tenant was cancelled and still held its runner, which had to be stopped",
          }),
        ];
      default:
        // "crash": the process died of something no execution can be blamed for.
        return [entry, out("interrupted", { code: "RUNNER_CRASHED", message: "interrupted: the runner process exited unexpectedly" })];
    }
  });
}

export function ended(startedAt: number, status: RunResult["status"], error: RunError, entry?: Pick<InFlight, "logs" | "progress" | "outbound">): RunResult {
  const finished = Date.now();
  return {
    status,
    error,
    logs: entry?.logs ?? [],
    progress: entry?.progress ?? null,
    outbound: entry?.outbound ?? [],
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: new Date(finished).toISOString(),
    durationMs: finished - startedAt,
  };
}
