// Who may do what: every role on every kind of management action (a 403 naming the permission it
// lacks), and another tenant's ids answering exactly like missing ones (404, never 403).
import { describe, expect, test } from "vitest";
import type { ApiResponse } from "../support/system.ts";
import { type Answer, answerOf, notFound, refused } from "./answers.ts";
import type { RoleName, SharedWorld } from "./system-under-test.ts";

const code = "export default (input, ctx) => ctx.tenant.slug;";
const roles: RoleName[] = ["viewer", "developer", "admin", "owner"];

/** Each action, the permission it takes and what a caller holding it hears. */
const actions = {
  createScript: { permission: "scripts.write", ok: 201 },
  editScript: { permission: "scripts.write", ok: 200 },
  disableScript: { permission: "scripts.write", ok: 200 },
  runScript: { permission: "scripts.execute", ok: 200 },
  deleteScript: { permission: "scripts.delete", ok: 204 },
  listSecrets: { permission: "scripts.read", ok: 200 },
  putSecret: { permission: "secrets.manage", ok: 200 },
  deleteSecret: { permission: "secrets.manage", ok: 204 },
  listTokens: { permission: "tokens.manage", ok: 200 },
  createToken: { permission: "tokens.manage", ok: 201 },
  listUsers: { permission: "users.manage", ok: 200 },
  addUser: { permission: "users.manage", ok: 201 },
} as const;
type Action = keyof typeof actions;

/** The role matrix the product implements (protocol/roles.ts), written out. */
const allowed: Record<RoleName, Action[]> = {
  viewer: ["listSecrets"],
  developer: ["createScript", "editScript", "disableScript", "runScript", "listSecrets"],
  admin: ["createScript", "editScript", "disableScript", "runScript", "deleteScript", "listSecrets", "putSecret", "deleteSecret", "listTokens", "createToken"],
  owner: Object.keys(actions) as Action[],
};

export function access(world: () => SharedWorld): void {
  const api = (method: string, path: string, body: unknown, token: string) => world().system.api(method, path, body, { token });

  describe("roles", () => {
    test("each role may do exactly what its permissions allow; the rest is 403 naming the permission, and changes nothing", async () => {
      const { acme, system } = world();
      const seen: Record<string, Record<string, Answer>> = {};
      const expected: Record<string, Record<string, Answer>> = {};
      for (const role of roles) {
        const token = acme[role];
        const target = await system.script({ name: `target-of-${role}`, code }, acme.owner);
        await api("PUT", `/admin/api/secrets/KEPT_FOR_${role.toUpperCase()}`, { value: "s3cret" }, acme.owner);
        const did: Record<Action, () => Promise<ApiResponse>> = {
          createScript: () => api("POST", "/admin/api/scripts", { name: `made-by-${role}`, kind: "manual", code }, token),
          editScript: () => api("PATCH", `/admin/api/scripts/${target}`, { description: `edited by ${role}` }, token),
          disableScript: () => api("PATCH", `/admin/api/scripts/${target}`, { enabled: false }, token),
          runScript: () => api("POST", `/admin/api/scripts/${target}/runs`, { mode: "sync" }, token),
          deleteScript: () => api("DELETE", `/admin/api/scripts/${target}`, undefined, token),
          listSecrets: () => api("GET", "/admin/api/secrets", undefined, token),
          putSecret: () => api("PUT", `/admin/api/secrets/PUT_BY_${role.toUpperCase()}`, { value: "x" }, token),
          deleteSecret: () => api("DELETE", `/admin/api/secrets/KEPT_FOR_${role.toUpperCase()}`, undefined, token),
          listTokens: () => api("GET", "/admin/api/tokens", undefined, token),
          createToken: () => api("POST", "/admin/api/tokens", { name: `minted-by-${role}`, role: "viewer" }, token),
          listUsers: () => api("GET", "/admin/api/users", undefined, token),
          addUser: () => api("POST", "/admin/api/users", { username: `user-by-${role}`, password: "a long enough passphrase", role: "viewer" }, token),
        };
        seen[role] = {};
        expected[role] = {};
        for (const [action, { permission, ok }] of Object.entries(actions) as [Action, (typeof actions)[Action]][]) {
          seen[role][action] = answerOf(await did[action]());
          expected[role][action] = allowed[role].includes(action)
            ? { status: ok }
            : refused(403, "FORBIDDEN", `your role (${role}) does not have the ${permission} permission`);
        }
        // What a role may not delete is still there, unchanged by what it may not edit.
        const after = await api("GET", `/admin/api/scripts/${target}`, undefined, acme.owner);
        if (!allowed[role].includes("deleteScript")) {
          expect(after.status).toBe(200);
          if (!allowed[role].includes("editScript")) expect(after.body).toMatchObject({ enabled: true, description: "" });
        }
      }
      expect(seen).toEqual(expected);
    });

    test("an admin cannot mint an owner token, nor an owner a token for another tenant", async () => {
      const { acme } = world();
      const answers = {
        adminMintsOwner: answerOf(await api("POST", "/admin/api/tokens", { name: "escalate", role: "owner" }, acme.admin)),
        ownerMintsForGlobex: answerOf(await api("POST", "/admin/api/tokens", { name: "x", role: "owner", tenant: "globex" }, acme.owner)),
        unknownRole: answerOf(await api("POST", "/admin/api/tokens", { name: "x", role: "superuser" }, acme.owner)),
      };
      expect(answers).toEqual({
        adminMintsOwner: refused(403, "FORBIDDEN", "your role (admin) cannot create a token with the owner role", "role"),
        ownerMintsForGlobex: refused(403, "FORBIDDEN", "only a platform admin may create tokens for another tenant"),
        unknownRole: refused(422, "VALIDATION_FAILED", "role must be one of owner, admin, developer, viewer", "role"),
      });
    });
  });

  describe("isolation between tenants", () => {
    test("globex's token on acme's script, versions, execution and secret answers 404, exactly like a missing id", async () => {
      const { acme, globex, system } = world();
      const id = await system.script({ name: "acme-private", code }, acme.owner);
      const run = await api("POST", `/admin/api/scripts/${id}/runs`, { input: { card: "4242" }, mode: "sync" }, acme.owner);
      expect(run.body.output).toBe("acme");
      await api("PUT", "/admin/api/secrets/ACME_ONLY", { value: "acme's" }, acme.owner);
      const routes = (script: string, execution: string, secret: string): [string, string, string, unknown?][] => [
        ["script", "GET", `/admin/api/scripts/${script}`],
        ["edit", "PATCH", `/admin/api/scripts/${script}`, { enabled: false }],
        ["delete", "DELETE", `/admin/api/scripts/${script}`],
        ["versions", "GET", `/admin/api/scripts/${script}/versions`],
        ["version", "GET", `/admin/api/scripts/${script}/versions/1`],
        ["rollback", "POST", `/admin/api/scripts/${script}/rollback`, { version: 1 }],
        ["run", "POST", `/admin/api/scripts/${script}/runs`, { mode: "sync" }],
        ["schedule", "GET", `/admin/api/scripts/${script}/schedule`],
        ["execution", "GET", `/admin/api/executions/${execution}`],
        ["rerun", "POST", `/admin/api/executions/${execution}/rerun`, {}],
        ["cancel", "POST", `/admin/api/executions/${execution}/cancel`],
        ["deleteSecret", "DELETE", `/admin/api/secrets/${secret}`],
      ];
      const answersTo = async (script: string, execution: string, secret: string) => {
        const out: Record<string, Answer> = {};
        for (const [name, method, path, body] of routes(script, execution, secret)) out[name] = answerOf(await api(method, path, body, globex));
        return out;
      };
      const foreign = await answersTo(id, run.body.id, "ACME_ONLY");
      const missing = await answersTo("scr_doesnotexist", "exe_doesnotexist", "NO_SUCH_SECRET");
      expect(foreign).toEqual({
        script: notFound("script"),
        edit: notFound("script"),
        delete: notFound("script"),
        versions: notFound("script"),
        version: notFound("version 1"),
        rollback: notFound("script"),
        run: notFound("script"),
        schedule: notFound("script"),
        execution: notFound("execution"),
        rerun: notFound("execution"),
        cancel: notFound("execution"),
        deleteSecret: notFound("secret ACME_ONLY"),
      });
      expect({ ...foreign, deleteSecret: undefined }).toEqual({ ...missing, deleteSecret: undefined });
      expect((await api("GET", `/admin/api/executions?scriptId=${id}`, undefined, globex)).body.items).toEqual([]);
      // acme's things are as they were.
      expect((await api("GET", `/admin/api/scripts/${id}`, undefined, acme.owner)).body).toMatchObject({ enabled: true, version: 1 });
      const secrets = (await api("GET", "/admin/api/secrets", undefined, acme.owner)).body.items.map((s: { name: string }) => s.name);
      expect(secrets).toContain("ACME_ONLY");
    });

    test("globex's endpoint paths and invocations cannot reach acme's scripts", async () => {
      const { acme, globex, system } = world();
      await system.script({ name: "acme-hello", kind: "http", path: "/acme-hello", methods: ["GET"], access: "public", code }, acme.owner);
      await system.script({ name: "acme-embedded", kind: "embedded", code }, acme.owner);
      const get = async (path: string) => {
        const r = await fetch(`${system.baseUrl}${path}`);
        return { status: r.status, body: await r.json() };
      };
      expect(await get("/api/tenants/acme/scripts/acme-hello")).toEqual({ status: 200, body: "acme" });
      const answers = {
        globexPath: await get("/api/tenants/globex/scripts/acme-hello"),
        invokedByGlobex: answerOf(await api("POST", "/api/invoke/acme-embedded", {}, globex)),
      };
      expect(answers).toEqual({
        globexPath: { status: 404, body: { error: { code: "NOT_FOUND", message: "no endpoint at /acme-hello" } } },
        invokedByGlobex: refused(404, "NOT_FOUND", "no embedded script named acme-embedded"),
      });
    });
  });
}
