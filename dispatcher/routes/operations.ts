// Dead letters, usage reports and secrets.
import { Hono } from "hono";
import { replayRequest } from "../../protocol/schemas/executions.ts";
import { secretParams, secretValueRequest } from "../../protocol/schemas/secrets.ts";
import { usageReportQuery } from "../../protocol/schemas/usage.ts";
import { UsageReports } from "../domain/usage.ts";
import type { AppEnv } from "../types.ts";
import { requires } from "./guards.ts";
import { json, params, query } from "./validate.ts";

export function operationRoutes(): Hono<AppEnv> {
  const api = new Hono<AppEnv>();
  api.get("/dead-letters", requires("executions.read"), async (c) => c.json({ items: await c.get("services").deadLetters.list(c.get("principal")) }));
  api.get("/dead-letters/:id", requires("executions.read"), async (c) =>
    c.json(await c.get("services").deadLetters.get(c.get("principal"), c.req.param("id"))),
  );
  // No body (or `{}`) replays the event as it was; `{payload}` replays it edited.
  api.post("/dead-letters/:id/replay", requires("scripts.execute"), json(replayRequest), async (c) =>
    c.json(
      await c.get("services").deadLetters.replay(c.get("principal"), c.req.param("id"), c.req.valid("json"), (work) => c.executionCtx.waitUntil(work)),
      202,
    ),
  );

  api.get("/usage/report", query(usageReportQuery), async (c) => {
    const { db, admission, tenants } = c.get("services");
    return c.json(await new UsageReports(db, admission, tenants).report(c.get("principal"), c.req.valid("query")));
  });

  api.get("/secrets", requires("scripts.read"), async (c) => c.json({ items: await c.get("services").vault.list(c.get("principal")) }));
  api.put("/secrets/:name", requires("secrets.manage"), params(secretParams), json(secretValueRequest), async (c) =>
    c.json(await c.get("services").vault.put(c.get("principal"), c.req.valid("param").name, c.req.valid("json"))),
  );
  api.delete("/secrets/:name", requires("secrets.manage"), async (c) => {
    await c.get("services").vault.remove(c.get("principal"), c.req.param("name"));
    return c.body(null, 204);
  });
  return api;
}
