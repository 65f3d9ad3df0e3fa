// Tenants, tokens and roles: every management action checks a permission, and one tenant
// never sees another's scripts or executions, not even whether they exist.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { System } from "../support/system.ts";

let system: System;
let acme: { slug: string; token: string };
let globex: { slug: string; token: string };

beforeAll(async () => {
  system = await System.start();
  acme = await system.tenant("acme");
  globex = await system.tenant("globex");
});
afterAll(async () => {
  await system?.destroy();
});

const code = "export default (input, ctx) => ctx.tenant.slug;";

async function tokenFor(tenantToken: string, role: string): Promise<string> {
  const r = await system.api("POST", "/admin/api/tokens", { name: `a ${role}`, role }, { token: tenantToken });
  expect(r.status).toBe(201);
  return r.body.token;
}

describe("authentication", () => {
  test("no token, a malformed header or an unknown token answers 401", async () => {
    expect((await system.api("GET", "/admin/api/scripts", undefined, { token: null })).status).toBe(401);
    expect((await system.api("GET", "/admin/api/scripts", undefined, { token: null, headers: { authorization: "Basic abc" } })).status).toBe(401);
    const unknown = await system.api("GET", "/admin/api/scripts", undefined, { token: "iota_notarealtoken" });
    expect(unknown.status).toBe(401);
    expect(unknown.body.error.code).toBe("UNAUTHENTICATED");
  });

  test("a revoked token stops working at once", async () => {
    const created = await system.api("POST", "/admin/api/tokens", { name: "short-lived", role: "viewer" }, { token: acme.token });
    const token = created.body.token;
    expect((await system.api("GET", "/admin/api/scripts", undefined, { token })).status).toBe(200);
    expect((await system.api("DELETE", `/admin/api/tokens/${created.body.id}`, undefined, { token: acme.token })).status).toBe(204);
    expect((await system.api("GET", "/admin/api/scripts", undefined, { token })).status).toBe(401);
  });

  test("token secrets are shown once and never listed", async () => {
    const list = await system.api("GET", "/admin/api/tokens", undefined, { token: acme.token });
    expect(list.status).toBe(200);
    expect(list.body.items.length).toBeGreaterThan(0);
    expect(JSON.stringify(list.body)).not.toMatch(/iota_/);
  });
});

describe("tenants", () => {
  test("only a platform admin creates tenants", async () => {
    const r = await system.api("POST", "/admin/api/tenants", { slug: "sneaky", name: "Sneaky" }, { token: acme.token });
    expect(r.status).toBe(403);
    expect((await system.api("GET", "/admin/api/tenants", undefined, { token: acme.token })).status).toBe(403);
  });

  test("bad tenant input is refused naming the field; a taken slug or domain answers 409", async () => {
    expect((await system.api("POST", "/admin/api/tenants", { slug: "Bad Slug", name: "x" })).body.error.field).toBe("slug");
    expect((await system.api("POST", "/admin/api/tenants", { slug: "okslug" })).body.error.field).toBe("name");
    expect((await system.api("POST", "/admin/api/tenants", { slug: "okslug", name: "x", domains: ["http://x"] })).body.error.field).toBe("domains[0]");
    const dup = await system.api("POST", "/admin/api/tenants", { slug: "acme", name: "again" });
    expect(dup.status).toBe(409);
    expect(dup.body.error.field).toBe("slug");
    expect((await system.api("POST", "/admin/api/tenants", { slug: "withdomain", name: "x", domains: ["shop.example.com"] })).status).toBe(201);
    const taken = await system.api("POST", "/admin/api/tenants", { slug: "otherdomain", name: "x", domains: ["shop.example.com"] });
    expect(taken.status).toBe(409);
    expect(taken.body.error.field).toBe("domains");
  });
});

describe("roles", () => {
  test("a viewer reads but cannot write, run or delete", async () => {
    const viewer = await tokenFor(acme.token, "viewer");
    const id = await system.script({ name: "viewed", code }, acme.token);
    expect((await system.api("GET", `/admin/api/scripts/${id}`, undefined, { token: viewer })).status).toBe(200);
    expect((await system.api("GET", "/admin/api/executions", undefined, { token: viewer })).status).toBe(200);
    const write = await system.api("POST", "/admin/api/scripts", { name: "nope", kind: "manual", code }, { token: viewer });
    expect(write.status).toBe(403);
    expect(write.body.error.message).toContain("scripts.write");
    expect((await system.api("PATCH", `/admin/api/scripts/${id}`, { enabled: false }, { token: viewer })).status).toBe(403);
    expect((await system.api("POST", `/admin/api/scripts/${id}/runs`, {}, { token: viewer })).status).toBe(403);
    expect((await system.api("POST", `/admin/api/scripts/${id}/rollback`, { version: 1 }, { token: viewer })).status).toBe(403);
    expect((await system.api("DELETE", `/admin/api/scripts/${id}`, undefined, { token: viewer })).status).toBe(403);
    expect((await system.api("POST", "/admin/api/tokens", { name: "x", role: "viewer" }, { token: viewer })).status).toBe(403);
    const after = await system.api("GET", `/admin/api/scripts/${id}`, undefined, { token: acme.token });
    expect(after.body.enabled).toBe(true);
  });

  test("a developer writes and runs but cannot delete scripts or manage tokens", async () => {
    const developer = await tokenFor(acme.token, "developer");
    const id = await system.script({ name: "devscript", code }, developer);
    expect((await system.run(id, null, developer)).body.output).toBe("acme");
    expect((await system.api("DELETE", `/admin/api/scripts/${id}`, undefined, { token: developer })).status).toBe(403);
    expect((await system.api("GET", "/admin/api/tokens", undefined, { token: developer })).status).toBe(403);
  });

  test("an admin cannot mint an owner token; roles must be known", async () => {
    const admin = await tokenFor(acme.token, "admin");
    const owner = await system.api("POST", "/admin/api/tokens", { name: "escalate", role: "owner" }, { token: admin });
    expect(owner.status).toBe(403);
    expect(owner.body.error.field).toBe("role");
    const bogus = await system.api("POST", "/admin/api/tokens", { name: "x", role: "superuser" }, { token: admin });
    expect(bogus.status).toBe(422);
    expect(bogus.body.error.field).toBe("role");
  });

  test("a tenant owner cannot mint tokens for another tenant", async () => {
    const r = await system.api("POST", "/admin/api/tokens", { name: "x", role: "owner", tenant: "globex" }, { token: acme.token });
    expect(r.status).toBe(403);
  });

  test("/me tells a client what the caller may do", async () => {
    const viewer = await tokenFor(acme.token, "viewer");
    const me = await system.api("GET", "/admin/api/me", undefined, { token: viewer });
    expect(me.body).toMatchObject({ tenant: { slug: "acme" }, role: "viewer", platformAdmin: false, permissions: ["scripts.read", "executions.read"] });
  });
});

describe("isolation between tenants", () => {
  test("another tenant's script and execution answer 404, exactly like missing ones", async () => {
    const id = await system.script({ name: "secret-sauce", code }, acme.token);
    const run = await system.run(id, { card: "4242" }, acme.token);
    expect(run.body.output).toBe("acme");
    const missing = await system.api("GET", "/admin/api/scripts/scr_missing", undefined, { token: globex.token });

    for (const [method, path, body] of [
      ["GET", `/admin/api/scripts/${id}`],
      ["PATCH", `/admin/api/scripts/${id}`, { enabled: false }],
      ["DELETE", `/admin/api/scripts/${id}`],
      ["GET", `/admin/api/scripts/${id}/versions`],
      ["GET", `/admin/api/scripts/${id}/versions/1`],
      ["POST", `/admin/api/scripts/${id}/rollback`, { version: 1 }],
      ["POST", `/admin/api/scripts/${id}/runs`, {}],
      ["GET", `/admin/api/executions/${run.body.id}`],
    ] as const) {
      const r = await system.api(method, path, body, { token: globex.token });
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(r.body.error.code).toBe(missing.body.error.code);
    }
    const globexHistory = await system.api("GET", `/admin/api/executions?scriptId=${id}`, undefined, { token: globex.token });
    expect(globexHistory.body.items).toEqual([]);
    const globexList = await system.api("GET", "/admin/api/scripts", undefined, { token: globex.token });
    expect(globexList.body.items.map((s: { id: string }) => s.id)).not.toContain(id);
    const still = await system.api("GET", `/admin/api/scripts/${id}`, undefined, { token: acme.token });
    expect(still.body).toMatchObject({ enabled: true, version: 1 });
  });

  test("the same name may exist in two tenants, and each runs as its own tenant", async () => {
    const a = await system.script({ name: "same-name", code }, acme.token);
    const g = await system.script({ name: "same-name", code }, globex.token);
    expect((await system.run(a, null, acme.token)).body.output).toBe("acme");
    expect((await system.run(g, null, globex.token)).body.output).toBe("globex");
  });

  test("the tenant comes from the token, never from the body", async () => {
    const r = await system.api("POST", "/admin/api/scripts", { name: "smuggle", kind: "manual", code, tenant: "acme" }, { token: globex.token });
    expect(r.status).toBe(422);
    expect(r.body.error.field).toBe("tenant");
  });

  test("a platform admin may act inside a tenant with X-Iota-Tenant; nobody else may", async () => {
    const id = await system.script({ name: "support-visible", code }, acme.token);
    const asAdmin = await system.api("GET", `/admin/api/scripts/${id}`, undefined, { headers: { "x-iota-tenant": "acme" } });
    expect(asAdmin.status).toBe(200);
    const asGlobex = await system.api("GET", `/admin/api/scripts/${id}`, undefined, { token: globex.token, headers: { "x-iota-tenant": "acme" } });
    expect(asGlobex.status).toBe(403);
    const unknownTenant = await system.api("GET", "/admin/api/scripts", undefined, { headers: { "x-iota-tenant": "nosuch" } });
    expect(unknownTenant.status).toBe(422);
  });
});
