// Tenants, API tokens and users: who may use the platform.
import { Hono } from "hono";
import type { Page, TenantListItem } from "../../protocol/api.ts";
import { addUserRequest, createTokenRequest } from "../../protocol/schemas/access.ts";
import { createTenantRequest, updateSettingsRequest, updateTenantRequest } from "../../protocol/schemas/tenants.ts";
import type { AppEnv } from "../types.ts";
import { platformAdminOnly, requires } from "./guards.ts";
import { json } from "./validate.ts";

export function accessRoutes(): Hono<AppEnv> {
  const api = new Hono<AppEnv>();

  api.post("/tenants", platformAdminOnly, json(createTenantRequest), async (c) =>
    c.json(await c.get("services").tenants.create(c.get("principal"), c.req.valid("json")), 201),
  );
  api.get("/tenants", platformAdminOnly, async (c) => {
    const { tenants, admission } = c.get("services");
    const items = await tenants.list(c.get("principal"));
    const listed: Page<TenantListItem>["items"] = await Promise.all(items.map(async (t) => ({ ...t, usage: await admission.usage(t.id) })));
    return c.json({ items: listed });
  });
  api.patch("/tenants/:slug", platformAdminOnly, json(updateTenantRequest), async (c) =>
    c.json(await c.get("services").tenants.update(c.get("principal"), c.req.param("slug"), c.req.valid("json"))),
  );
  api.get("/runners", platformAdminOnly, async (c) => c.json(await c.get("services").runs.runner.stats()));
  api.get("/settings", requires("tokens.manage"), async (c) => c.json(await c.get("services").tenants.settings(c.get("principal"))));
  api.patch("/settings", requires("tokens.manage"), json(updateSettingsRequest), async (c) =>
    c.json(await c.get("services").tenants.updateSettings(c.get("principal"), c.req.valid("json"))),
  );
  // The caller's own tenant: how many executions run and wait, against which limit.
  api.get("/usage", async (c) => c.json(await c.get("services").admission.usage(c.get("principal").tenant.id)));

  api.post("/tokens", requires("tokens.manage"), json(createTokenRequest), async (c) =>
    c.json(await c.get("services").tokens.create(c.get("principal"), c.req.valid("json")), 201),
  );
  api.get("/tokens", requires("tokens.manage"), async (c) => c.json({ items: await c.get("services").tokens.list(c.get("principal")) }));
  api.delete("/tokens/:id", requires("tokens.manage"), async (c) => {
    await c.get("services").tokens.revoke(c.get("principal"), c.req.param("id"));
    return c.body(null, 204);
  });

  api.post("/users", requires("users.manage"), json(addUserRequest), async (c) =>
    c.json(await c.get("services").users.add(c.get("principal"), c.req.valid("json")), 201),
  );
  api.get("/users", requires("users.manage"), async (c) => c.json({ items: await c.get("services").users.list(c.get("principal")) }));
  api.delete("/users/:id", requires("users.manage"), async (c) => {
    await c.get("services").users.remove(c.get("principal"), c.req.param("id"));
    return c.body(null, 204);
  });
  return api;
}
