// Tenants, API tokens and users: who may use the platform.
import { Hono } from "hono";
import type { Page, TenantListItem } from "../../protocol/api.ts";
import { requirePlatformAdmin } from "../domain/principal.ts";
import type { AppEnv } from "../types.ts";
import { jsonBody } from "./body.ts";

export function accessRoutes(): Hono<AppEnv> {
  const api = new Hono<AppEnv>();

  api.post("/tenants", async (c) => c.json(await c.get("services").tenants.create(c.get("principal"), await jsonBody(c)), 201));
  api.get("/tenants", async (c) => {
    const { tenants, admission } = c.get("services");
    const items = await tenants.list(c.get("principal"));
    const listed: Page<TenantListItem>["items"] = await Promise.all(items.map(async (t) => ({ ...t, usage: await admission.usage(t.id) })));
    return c.json({ items: listed });
  });
  api.patch("/tenants/:slug", async (c) => c.json(await c.get("services").tenants.update(c.get("principal"), c.req.param("slug"), await jsonBody(c))));
  api.get("/runners", async (c) => {
    requirePlatformAdmin(c.get("principal"));
    return c.json(await c.get("services").runs.runner.stats());
  });
  api.get("/settings", async (c) => c.json(await c.get("services").tenants.settings(c.get("principal"))));
  api.patch("/settings", async (c) => c.json(await c.get("services").tenants.updateSettings(c.get("principal"), await jsonBody(c))));
  // The caller's own tenant: how many executions run and wait, against which limit.
  api.get("/usage", async (c) => c.json(await c.get("services").admission.usage(c.get("principal").tenant.id)));

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
