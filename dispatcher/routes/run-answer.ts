import type { Context } from "hono";
import type { StartedRun } from "../domain/runs.ts";
import type { AppEnv } from "../types.ts";

/** A sync run answers 200 with the execution; an async one 202 with where to find it. */
export function answerRun(c: Context<AppEnv>, started: StartedRun): Response {
  if (started.mode === "async") {
    c.header("location", `/admin/api/executions/${started.id}`);
    return c.json({ id: started.id, status: started.status }, 202);
  }
  return c.json(started.execution!);
}
