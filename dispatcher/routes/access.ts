// Tenants, API tokens and users: who may use the platform.
import { Hono } from "hono";
import type { AppEnv } from "../types.ts";
import { jsonBody } from "./body.ts";

export function accessRoutes(): Hono<AppEnv> {
  const api = new Hono<AppEnv>();

  api.post("/tenants", async (c) => c.json(await c.get("services").tenants.create(c.get("principal"), await jsonBody(c)), 201));
  api.get("/tenants", async (c) => c.json({ items: await c.get("services").tenants.list(c.get("principal")) }));

  api.post("/tokens", async (c) => c.json(await c.get("services").tokens.create(c.get("principal"), await jsonBody(c)), 201));
  api.get("/tokens", async (c) => c.json({ items: await c.get("services").tokens.list(c.get("principal")) }));
  api.delete("/tokens/:id", async (c) => {
    await c.get("services").tokens.revoke(c.get("principal"), c.req.param("id"));
    return c.body(null, 204);
  });

  api.post("/users", async (c) => c.json(await c.get("services").users.add(c.get("principal"), await jsonBody(c)), 201));
  api.get("/users", async (c) => c.json({ items: await c.get("services").users.list(c.get("principal")) }));
  api.delete("/users/:id", async (c) => {
    await c.get("services").users.remove(c.get("principal"), c.req.param("id"));
    return c.body(null, 204);
  });
  return api;
}
