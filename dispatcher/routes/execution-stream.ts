// Server-sent events for one execution: its log lines and progress as they happen, then the
// final record. Live lines come from the runner gateway; the stored record closes the stream.
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { ExecutionDetail } from "../../protocol/api.ts";
import type { Principal } from "../domain/principal.ts";
import type { AppEnv } from "../types.ts";

const pollMs = 200;
const maxStreamMs = 16 * 60_000;

export function streamExecution(c: Context<AppEnv>, principal: Principal, first: ExecutionDetail): Response {
  const { executions, runs } = c.get("services");
  return streamSSE(c, async (stream) => {
    let sent = 0;
    let progressSent = "";
    let execution = first;
    const started = Date.now();
    while (!stream.aborted && Date.now() - started < maxStreamMs) {
      if (execution.status !== "queued" && execution.status !== "running") break;
      const live = await runs.runner.live(execution.id, sent);
      for (const line of live.logs) await stream.writeSSE({ event: "log", data: JSON.stringify(line) });
      sent += live.logs.length;
      const progress = JSON.stringify(live.progress);
      if (live.progress && progress !== progressSent) {
        await stream.writeSSE({ event: "progress", data: progress });
        progressSent = progress;
      }
      await stream.sleep(pollMs);
      execution = await executions.get(principal, execution.id);
    }
    // The stored lines are the same lines in the same order; send those not yet sent.
    for (const line of execution.logs.slice(sent)) await stream.writeSSE({ event: "log", data: JSON.stringify(line) });
    if (execution.progress && JSON.stringify(execution.progress) !== progressSent) {
      await stream.writeSSE({ event: "progress", data: JSON.stringify(execution.progress) });
    }
    await stream.writeSSE({ event: "end", data: JSON.stringify(execution) });
  });
}
