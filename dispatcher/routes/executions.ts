// Execution history: search, detail, live stream, re-run and statistics.
import { Hono } from "hono";
import { requirePermission } from "../domain/principal.ts";
import type { AppEnv } from "../types.ts";
import { jsonBody } from "./body.ts";
import { answerRun } from "./run-answer.ts";
import { streamExecution } from "./execution-stream.ts";

export function executionRoutes(): Hono<AppEnv> {
  const api = new Hono<AppEnv>();

  api.get("/executions", async (c) => {
    const p = c.get("principal");
    requirePermission(p, "executions.read");
    return c.json(await c.get("services").executions.list(p, c.req.query()));
  });
  api.get("/executions/:id", async (c) => {
    const p = c.get("principal");
    requirePermission(p, "executions.read");
    return c.json(await c.get("services").executions.get(p, c.req.param("id")));
  });
  api.get("/executions/:id/stream", async (c) => {
    const p = c.get("principal");
    requirePermission(p, "executions.read");
    // Looked up first, so an unknown or foreign id is a plain 404 rather than a broken stream.
    const execution = await c.get("services").executions.get(p, c.req.param("id"));
    return streamExecution(c, p, execution);
  });
  api.post("/executions/:id/rerun", async (c) => {
    const p = c.get("principal");
    requirePermission(p, "scripts.execute");
    const started = await c.get("services").runs.rerun(p, c.req.param("id"), await jsonBody(c), (work) => c.executionCtx.waitUntil(work));
    return answerRun(c, started);
  });
  api.get("/stats/executions", async (c) => {
    const p = c.get("principal");
    requirePermission(p, "executions.read");
    return c.json(await c.get("services").executions.stats(p, { days: c.req.query("days"), scriptId: c.req.query("scriptId") }));
  });
  return api;
}
