// /admin/api: tenants, tokens, scripts, versions, runs and history. Handlers parse, authorise,
// call the domain and shape the answer; nothing else.
import { Hono } from "hono";
import { invalid } from "../../protocol/errors.ts";
import { can, permissions } from "../../protocol/roles.ts";
import type { Me } from "../../protocol/api.ts";
import { requirePermission } from "../domain/principal.ts";
import { bearerAuth } from "../middleware/auth/index.ts";
import type { AppEnv } from "../types.ts";
import { jsonBody } from "./body.ts";

export function managementRoutes(): Hono<AppEnv> {
  const api = new Hono<AppEnv>();
  api.use("*", bearerAuth());

  api.get("/me", (c) => {
    const p = c.get("principal");
    const me: Me = { name: p.name, tenant: p.tenant, role: p.role, platformAdmin: p.platformAdmin, permissions: permissions.filter((x) => can(p.role, x)) };
    return c.json(me);
  });

  api.post("/tenants", async (c) => {
    const tenant = await c.get("services").tenants.create(c.get("principal"), await jsonBody(c));
    return c.json(tenant, 201);
  });
  api.get("/tenants", async (c) => c.json({ items: await c.get("services").tenants.list(c.get("principal")) }));

  api.post("/tokens", async (c) => c.json(await c.get("services").tokens.create(c.get("principal"), await jsonBody(c)), 201));
  api.get("/tokens", async (c) => c.json({ items: await c.get("services").tokens.list(c.get("principal")) }));
  api.delete("/tokens/:id", async (c) => {
    await c.get("services").tokens.revoke(c.get("principal"), c.req.param("id"));
    return c.body(null, 204);
  });

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
    const started = await c.get("services").runs.start(p, c.req.param("id"), await jsonBody(c), "manual", (work) => c.executionCtx.waitUntil(work));
    if (started.mode === "async") {
      c.header("location", `/admin/api/executions/${started.id}`);
      return c.json({ id: started.id, status: "queued" }, 202);
    }
    return c.json(started.execution);
  });

  api.get("/executions", async (c) => {
    const p = c.get("principal");
    requirePermission(p, "executions.read");
    const q = c.req.query();
    return c.json(await c.get("services").executions.list(p, q));
  });
  api.get("/executions/:id", async (c) => {
    const p = c.get("principal");
    requirePermission(p, "executions.read");
    return c.json(await c.get("services").executions.get(p, c.req.param("id")));
  });
  return api;
}
