// One run as the user watches it: start it, follow its log lines and progress live, end with
// the stored execution. Used by the editor's Run panel and by re-runs from history.
import { onCleanup } from "solid-js";
import { createStore, produce } from "solid-js/store";
import type { ExecutionDetail } from "../../../../protocol/api.ts";
import type { LogEntry, Progress } from "../../../../protocol/run.ts";
import { isAccepted, type RunAnswer } from "../../api/endpoints.ts";
import { followExecution } from "../../api/stream.ts";

export interface RunState {
  phase: "idle" | "starting" | "running" | "done" | "failed";
  executionId?: string;
  logs: LogEntry[];
  progress: Progress | null;
  execution?: ExecutionDetail;
  /** Starting the run failed (bad input, no permission...): the execution never existed. */
  error?: Error;
  startedAt?: number;
}

export function createRun() {
  const [state, setState] = createStore<RunState>({ phase: "idle", logs: [], progress: null });
  let stop: (() => void) | undefined;
  onCleanup(() => stop?.());

  const finish = (execution: ExecutionDetail) =>
    setState({ phase: "done", execution, logs: execution.logs, progress: execution.progress ?? state.progress, executionId: execution.id });

  async function start(call: () => Promise<RunAnswer>): Promise<void> {
    stop?.();
    setState({ phase: "starting", logs: [], progress: null, execution: undefined, error: undefined, executionId: undefined, startedAt: Date.now() });
    let answer: RunAnswer;
    try {
      answer = await call();
    } catch (e) {
      setState({ phase: "failed", error: e as Error });
      return;
    }
    if (!isAccepted(answer)) return finish(answer);
    setState({ phase: "running", executionId: answer.id });
    stop = followExecution(answer.id, {
      log: (line) => setState(produce((s) => void s.logs.push(line))),
      progress: (progress) => setState("progress", progress),
      end: finish,
      error: (error) => setState({ phase: "failed", error }),
    });
  }

  return { state, start };
}
