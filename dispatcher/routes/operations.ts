// Dead letters and secrets.
import { Hono } from "hono";
import type { AppEnv } from "../types.ts";
import { jsonBody } from "./body.ts";

export function operationRoutes(): Hono<AppEnv> {
  const api = new Hono<AppEnv>();
  api.get("/dead-letters", async (c) => c.json({ items: await c.get("services").deadLetters.list(c.get("principal")) }));
  api.post("/dead-letters/:id/replay", async (c) =>
    c.json(await c.get("services").deadLetters.replay(c.get("principal"), c.req.param("id"), (work) => c.executionCtx.waitUntil(work)), 202),
  );

  api.get("/secrets", async (c) => c.json({ items: await c.get("services").vault.list(c.get("principal")) }));
  api.put("/secrets/:name", async (c) => c.json(await c.get("services").vault.put(c.get("principal"), c.req.param("name"), await jsonBody(c))));
  api.delete("/secrets/:name", async (c) => {
    await c.get("services").vault.remove(c.get("principal"), c.req.param("name"));
    return c.body(null, 204);
  });
  return api;
}
