// Scripts, their versions, and manual runs.
import { Hono } from "hono";
import { invalid } from "../../protocol/errors.ts";
import { runRequest } from "../../protocol/schemas/executions.ts";
import { schedulePreviewQuery } from "../../protocol/schemas/schedule.ts";
import { createScriptRequest, rollbackRequest, scriptFilters, updateScriptRequest, versionParams } from "../../protocol/schemas/scripts.ts";
import sdkTypes from "virtual:sdk-types";
import { preview, upcomingFor } from "../domain/scheduler.ts";
import type { AppEnv } from "../types.ts";
import { requires } from "./guards.ts";
import { answerRun } from "./run-answer.ts";
import { json, params, query } from "./validate.ts";

export function scriptRoutes(): Hono<AppEnv> {
  const api = new Hono<AppEnv>();

  api.post("/scripts", requires("scripts.write"), json(createScriptRequest), async (c) => {
    const script = await c.get("services").scripts.create(c.get("principal"), c.req.valid("json"));
    c.header("location", `/admin/api/scripts/${script.id}`);
    return c.json(script, 201);
  });
  api.get("/scripts", requires("scripts.read"), query(scriptFilters), async (c) =>
    c.json({ items: await c.get("services").scripts.list(c.get("principal"), c.req.valid("query")) }),
  );
  api.get("/scripts/:id", requires("scripts.read"), async (c) => c.json(await c.get("services").scripts.get(c.get("principal"), c.req.param("id"))));
  api.patch("/scripts/:id", requires("scripts.write"), json(updateScriptRequest), async (c) =>
    c.json(await c.get("services").scripts.update(c.get("principal"), c.req.param("id"), c.req.valid("json"))),
  );
  api.delete("/scripts/:id", requires("scripts.delete"), async (c) => {
    await c.get("services").scripts.remove(c.get("principal"), c.req.param("id"));
    return c.body(null, 204);
  });
  // The SDK's TypeScript declarations, generated from workers/sdk: what the editor autocompletes.
  api.get("/sdk/types", (c) => c.body(sdkTypes, 200, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-cache" }));
  api.get("/scripts/:id/schedule", requires("scripts.read"), async (c) => {
    const script = await c.get("services").scripts.find(c.get("principal"), c.req.param("id"));
    if (script.kind !== "scheduled") throw invalid("id", `script ${script.name} is not a scheduled script`);
    const { cron, timezone } = script.config;
    return c.json({ cron, timezone, enabled: script.enabled, next: upcomingFor(script.config, Date.now()) });
  });
  api.get("/schedule/preview", requires("scripts.read"), query(schedulePreviewQuery), async (c) => {
    const { cron, timezone } = c.req.valid("query");
    return c.json({ next: preview(cron, timezone) });
  });
  api.get("/scripts/:id/versions", requires("scripts.read"), async (c) =>
    c.json({ items: await c.get("services").scripts.versions(c.get("principal"), c.req.param("id")) }),
  );
  api.get("/scripts/:id/versions/:n", requires("scripts.read"), params(versionParams), async (c) => {
    const { id, n } = c.req.valid("param");
    return c.json(await c.get("services").scripts.version(c.get("principal"), id, n));
  });
  api.post("/scripts/:id/rollback", requires("scripts.write"), json(rollbackRequest), async (c) =>
    c.json(await c.get("services").scripts.rollback(c.get("principal"), c.req.param("id"), c.req.valid("json"))),
  );
  api.post("/scripts/:id/runs", requires("scripts.execute"), json(runRequest), async (c) => {
    const started = await c.get("services").runs.start(c.get("principal"), c.req.param("id"), c.req.valid("json"), (work) => c.executionCtx.waitUntil(work));
    return answerRun(c, started);
  });
  return api;
}
