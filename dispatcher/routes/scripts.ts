// Scripts, their versions, and manual runs.
import { Hono } from "hono";
import { invalid } from "../../protocol/errors.ts";
import { requirePermission } from "../domain/principal.ts";
import sdkTypes from "virtual:sdk-types";
import { preview, upcomingFor } from "../domain/scheduler.ts";
import type { AppEnv } from "../types.ts";
import { jsonBody } from "./body.ts";
import { answerRun } from "./run-answer.ts";

export function scriptRoutes(): Hono<AppEnv> {
  const api = new Hono<AppEnv>();

  api.post("/scripts", async (c) => {
    const p = c.get("principal");
    requirePermission(p, "scripts.write");
    const script = await c.get("services").scripts.create(p, await jsonBody(c));
    c.header("location", `/admin/api/scripts/${script.id}`);
    return c.json(script, 201);
  });
  api.get("/scripts", async (c) => {
    const p = c.get("principal");
    requirePermission(p, "scripts.read");
    const items = await c.get("services").scripts.list(p, {
      kind: c.req.query("kind"),
      tags: c.req.queries("tag") ?? [],
      q: c.req.query("q"),
      enabled: c.req.query("enabled"),
    });
    return c.json({ items });
  });
  api.get("/scripts/:id", async (c) => {
    const p = c.get("principal");
    requirePermission(p, "scripts.read");
    return c.json(await c.get("services").scripts.get(p, c.req.param("id")));
  });
  api.patch("/scripts/:id", async (c) => {
    const p = c.get("principal");
    requirePermission(p, "scripts.write");
    return c.json(await c.get("services").scripts.update(p, c.req.param("id"), await jsonBody(c)));
  });
  api.delete("/scripts/:id", async (c) => {
    const p = c.get("principal");
    requirePermission(p, "scripts.delete");
    await c.get("services").scripts.remove(p, c.req.param("id"));
    return c.body(null, 204);
  });
  // The SDK's TypeScript declarations, generated from workers/sdk: what the editor autocompletes.
  api.get("/sdk/types", (c) => c.body(sdkTypes, 200, { "content-type": "text/plain; charset=utf-8", "cache-control": "no-cache" }));
  api.get("/scripts/:id/schedule", async (c) => {
    const p = c.get("principal");
    requirePermission(p, "scripts.read");
    const script = await c.get("services").scripts.find(p, c.req.param("id"));
    if (script.kind !== "scheduled") throw invalid("id", `script ${script.name} is not a scheduled script`);
    const config = script.config as { cron: string; timezone: string };
    return c.json({ cron: config.cron, timezone: config.timezone, enabled: script.enabled, next: upcomingFor(script.config, Date.now()) });
  });
  api.get("/schedule/preview", async (c) => {
    requirePermission(c.get("principal"), "scripts.read");
    return c.json({ next: preview(c.req.query("cron"), c.req.query("timezone")) });
  });
  api.get("/scripts/:id/versions", async (c) => {
    const p = c.get("principal");
    requirePermission(p, "scripts.read");
    return c.json({ items: await c.get("services").scripts.versions(p, c.req.param("id")) });
  });
  api.get("/scripts/:id/versions/:n", async (c) => {
    const p = c.get("principal");
    requirePermission(p, "scripts.read");
    const n = Number(c.req.param("n"));
    if (!Number.isInteger(n) || n < 1) throw invalid("n", "the version number must be a whole number from 1");
    return c.json(await c.get("services").scripts.version(p, c.req.param("id"), n));
  });
  api.post("/scripts/:id/rollback", async (c) => {
    const p = c.get("principal");
    requirePermission(p, "scripts.write");
    return c.json(await c.get("services").scripts.rollback(p, c.req.param("id"), await jsonBody(c)));
  });
  api.post("/scripts/:id/runs", async (c) => {
    const p = c.get("principal");
    requirePermission(p, "scripts.execute");
    const started = await c.get("services").runs.start(p, c.req.param("id"), await jsonBody(c), (work) => c.executionCtx.waitUntil(work));
    return answerRun(c, started);
  });
  return api;
}
