// Signing in to the admin: sessions with HttpOnly cookies and CSRF tokens, slowed guessing,
// users who belong to several tenants.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { System } from "../support/system.ts";

const password = "correct horse battery";
let system: System;

beforeAll(async () => {
  system = await System.start({ env: { IOTA_BOOTSTRAP_PASSWORD: password } });
});
afterAll(async () => {
  await system?.destroy();
});

interface Browserish {
  cookie: string;
  csrf: string;
}

async function signIn(username: string, pass: string, tenant?: string): Promise<Browserish> {
  const r = await system.api("POST", "/admin/api/session", { username, password: pass, ...(tenant ? { tenant } : {}) }, { token: null });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  // A sign-in also sets a device cookie (see sign-in-throttle.test.ts): pick the session's.
  const setCookie = r.headers.getSetCookie().find((c) => c.startsWith("iota_session=")) ?? "";
  expect(setCookie).toMatch(/HttpOnly/i);
  expect(setCookie).toMatch(/SameSite=Strict/i);
  return { cookie: setCookie.split(";")[0]!, csrf: r.body.csrfToken };
}

function as(b: Browserish, csrf = true) {
  return { token: null, headers: { cookie: b.cookie, ...(csrf ? { "x-csrf-token": b.csrf } : {}) } };
}

describe("sessions", () => {
  test("the bootstrap admin signs in and the session acts as them", async () => {
    const b = await signIn("admin", password);
    const me = await system.api("GET", "/admin/api/me", undefined, as(b, false));
    expect(me.body).toMatchObject({ name: "admin", role: "owner", platformAdmin: true, tenant: { slug: "default" }, csrfToken: b.csrf });
    expect(me.body.tenants).toEqual([{ slug: "default", name: "Default", role: "owner" }]);
    const created = await system.api("POST", "/admin/api/scripts", { name: "from-the-admin", kind: "manual", code: "export default () => 1" }, as(b));
    expect(created.status).toBe(201);
    expect(created.body.createdBy).toContain("admin");
  });

  test("a write without the CSRF token is refused, and changes nothing", async () => {
    const b = await signIn("admin", password);
    const r = await system.api("POST", "/admin/api/scripts", { name: "csrf-victim", kind: "manual", code: "export default () => 1" }, as(b, false));
    expect(r.status).toBe(403);
    const wrong = await system.api(
      "POST",
      "/admin/api/scripts",
      { name: "csrf-victim", kind: "manual", code: "export default () => 1" },
      { token: null, headers: { cookie: b.cookie, "x-csrf-token": "iota_guess" } },
    );
    expect(wrong.status).toBe(403);
    expect((await system.api("GET", "/admin/api/scripts?q=csrf-victim")).body.items).toEqual([]);
  });

  test("signing out ends the session", async () => {
    const b = await signIn("admin", password);
    expect((await system.api("DELETE", "/admin/api/session", undefined, as(b))).status).toBe(204);
    expect((await system.api("GET", "/admin/api/me", undefined, as(b, false))).status).toBe(401);
  });

  test("bad sign-in input names the field; wrong credentials answer 401 without saying which", async () => {
    expect((await system.api("POST", "/admin/api/session", { username: "admin" }, { token: null })).body.error.field).toBe("password");
    const wrongUser = await system.api("POST", "/admin/api/session", { username: "nobody-here", password: "whatever123" }, { token: null });
    const wrongPass = await system.api("POST", "/admin/api/session", { username: "admin", password: "whatever123" }, { token: null });
    expect(wrongUser.status).toBe(401);
    expect(wrongPass.status).toBe(401);
    expect(wrongUser.body.error.message).toBe(wrongPass.body.error.message);
  });

  test("repeated failures lock the account for a while, even for the right password", async () => {
    await system.api("POST", "/admin/api/users", { username: "guessme", password: "a long enough one", role: "viewer" });
    let last: Awaited<ReturnType<typeof system.api>> | undefined;
    for (let i = 0; i < 5; i++)
      last = await system.api("POST", "/admin/api/session", { username: "guessme", password: `wrong-${i}-password` }, { token: null });
    expect(last!.status).toBe(401);
    const locked = await system.api("POST", "/admin/api/session", { username: "guessme", password: "a long enough one" }, { token: null });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(locked.body.error.code).toBe("RATE_LIMITED");
  });
});

describe("users and tenants", () => {
  test("an owner adds users with roles; a user in two tenants switches between them", async () => {
    const acme = await system.tenant("acme-users");
    const globex = await system.tenant("globex-users");
    const add = await system.api("POST", "/admin/api/users", { username: "dana", password: "dana's long password", role: "developer" }, { token: acme.token });
    expect(add.status).toBe(201);
    const b = await signIn("dana", "dana's long password", "acme-users");
    // Dana has an account already: she joins globex with a join code she makes for it.
    const code = await system.api("POST", "/admin/api/me/join-code", { tenant: "globex-users" }, as(b));
    const again = await system.api("POST", "/admin/api/users", { joinCode: code.body.joinCode, role: "viewer" }, { token: globex.token });
    expect(again.status).toBe(201);

    const me = await system.api("GET", "/admin/api/me", undefined, as(b, false));
    expect(me.body).toMatchObject({ tenant: { slug: "acme-users" }, role: "developer" });
    expect(me.body.tenants.map((t: { slug: string; role: string }) => [t.slug, t.role])).toEqual([
      ["acme-users", "developer"],
      ["globex-users", "viewer"],
    ]);
    expect((await system.api("POST", "/admin/api/scripts", { name: "dana-script", kind: "manual", code: "export default () => 1" }, as(b))).status).toBe(201);

    const switched = await system.api("POST", "/admin/api/session/tenant", { tenant: "globex-users" }, as(b));
    expect(switched.status).toBe(200);
    expect(switched.body).toMatchObject({ tenant: { slug: "globex-users" }, role: "viewer" });
    const b2 = {
      cookie: switched.headers
        .getSetCookie()
        .find((c) => c.startsWith("iota_session="))!
        .split(";")[0]!,
      csrf: switched.body.csrfToken,
    };
    expect((await system.api("POST", "/admin/api/scripts", { name: "dana-script", kind: "manual", code: "export default () => 1" }, as(b2))).status).toBe(403);
    expect((await system.api("GET", "/admin/api/scripts?q=dana-script", undefined, as(b2, false))).body.items).toEqual([]);
    expect((await system.api("POST", "/admin/api/session/tenant", { tenant: "default" }, as(b2))).status).toBe(422);
  });

  test("user input is checked; only owners manage users", async () => {
    expect((await system.api("POST", "/admin/api/users", { username: "short", password: "short", role: "viewer" })).body.error.field).toBe("password");
    expect((await system.api("POST", "/admin/api/users", { username: "nopass", role: "viewer" })).body.error.field).toBe("password");
    expect((await system.api("POST", "/admin/api/users", { username: "x y", password: "long enough pw", role: "viewer" })).body.error.field).toBe("username");
    const adminToken = (await system.api("POST", "/admin/api/tokens", { name: "an admin", role: "admin" })).body.token;
    expect((await system.api("GET", "/admin/api/users", undefined, { token: adminToken })).status).toBe(403);
  });
});
