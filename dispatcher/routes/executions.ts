// Execution history: search, detail, live stream, re-run, cancel and statistics.
import { Hono } from "hono";
import { executionFilters, rerunRequest, statsQuery } from "../../protocol/schemas/executions.ts";
import type { AppEnv } from "../types.ts";
import { requires } from "./guards.ts";
import { answerRun } from "./run-answer.ts";
import { streamExecution } from "./execution-stream.ts";
import { json, query } from "./validate.ts";

export function executionRoutes(): Hono<AppEnv> {
  const api = new Hono<AppEnv>();

  api.get("/executions", requires("executions.read"), query(executionFilters), async (c) =>
    c.json(await c.get("services").executions.list(c.get("principal"), c.req.valid("query"))),
  );
  api.get("/executions/:id", requires("executions.read"), async (c) => c.json(await c.get("services").executions.get(c.get("principal"), c.req.param("id"))));
  api.get("/executions/:id/stream", requires("executions.read"), async (c) => {
    const p = c.get("principal");
    // Looked up first, so an unknown or foreign id is a plain 404 rather than a broken stream.
    const execution = await c.get("services").executions.get(p, c.req.param("id"));
    return streamExecution(c, p, execution);
  });
  api.post("/executions/:id/rerun", requires("scripts.execute"), json(rerunRequest), async (c) => {
    const started = await c.get("services").runs.rerun(c.get("principal"), c.req.param("id"), c.req.valid("json"), (work) => c.executionCtx.waitUntil(work));
    return answerRun(c, started);
  });
  api.post("/executions/:id/cancel", requires("scripts.execute"), async (c) =>
    c.json(await c.get("services").runs.cancel(c.get("principal"), c.req.param("id"), (work) => c.executionCtx.waitUntil(work))),
  );
  api.get("/stats/executions", requires("executions.read"), query(statsQuery), async (c) =>
    c.json(await c.get("services").executions.stats(c.get("principal"), c.req.valid("query"))),
  );
  return api;
}
