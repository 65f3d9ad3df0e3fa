// Signing in and out of the admin, switching tenant, who the caller is, and join codes.
import { Hono, type Context } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import type { Me } from "../../protocol/api.ts";
import { can, permissions } from "../../protocol/roles.ts";
import type { Principal } from "../domain/principal.ts";
import { isDeviceCookieName } from "../domain/device-cookies.ts";
import type { SignedIn } from "../domain/users.ts";
import { sessionCookie } from "../middleware/auth/index.ts";
import type { AppEnv } from "../types.ts";
import { signInRequest, tenantChoice } from "../../protocol/schemas/access.ts";
import { json } from "./validate.ts";

async function describe(c: Context<AppEnv>, p: Principal, csrfToken?: string): Promise<Me> {
  const tenants = p.userId ? await c.get("services").users.memberships(p.userId) : [{ slug: p.tenant.slug, name: p.tenant.slug, role: p.role }];
  return {
    name: p.name,
    tenant: p.tenant,
    role: p.role,
    platformAdmin: p.platformAdmin,
    permissions: permissions.filter((x) => can(p.role, x)),
    tenants,
    ...(csrfToken ? { csrfToken } : {}),
  };
}

function startSession(c: Context<AppEnv>, signedIn: SignedIn): void {
  const secure = new URL(c.req.url).protocol === "https:";
  setCookie(c, sessionCookie, signedIn.cookie, { httpOnly: true, sameSite: "Strict", path: "/", secure, maxAge: 12 * 3600 });
  // Sent back only to sign-ins: it proves this browser signed in before, and nothing more.
  const device = signedIn.device;
  if (device) setCookie(c, device.name, device.value, { httpOnly: true, sameSite: "Strict", path: "/admin/api/session", secure, maxAge: device.maxAgeSeconds });
}

/** The client as far as we can trust what the request says about it. */
function signInClient(c: Context<AppEnv>) {
  // Only a proxy we were told to trust may name the address; otherwise anyone could rotate it.
  const address = c.env.TRUST_PROXY === "true" ? (c.req.header("cf-connecting-ip") ?? c.req.header("x-forwarded-for")?.split(",")[0]?.trim()) : undefined;
  const deviceCookies = Object.entries(getCookie(c))
    .filter(([name]) => isDeviceCookieName(name))
    .map(([, value]) => value);
  return { ...(address ? { address } : {}), deviceCookies };
}

export function sessionRoutes(): Hono<AppEnv> {
  const api = new Hono<AppEnv>();

  api.post("/session", json(signInRequest), async (c) => {
    const signedIn = await c.get("services").users.signIn(c.req.valid("json"), signInClient(c));
    startSession(c, signedIn);
    return c.json(await describe(c, signedIn.principal, signedIn.csrfToken));
  });

  api.delete("/session", async (c) => {
    const cookie = getCookie(c, sessionCookie);
    if (cookie) await c.get("services").users.signOut(cookie);
    deleteCookie(c, sessionCookie, { path: "/" });
    return c.body(null, 204);
  });

  api.post("/session/tenant", json(tenantChoice), async (c) => {
    const signedIn = await c.get("services").users.switchTenant(getCookie(c, sessionCookie) ?? "", c.get("principal"), c.req.valid("json"));
    startSession(c, signedIn);
    return c.json(await describe(c, signedIn.principal, signedIn.csrfToken));
  });

  api.get("/me", async (c) => c.json(await describe(c, c.get("principal"), c.get("csrfToken"))));
  // A signed-in user agrees to join another tenant: its owner adds them with this code.
  api.post("/me/join-code", json(tenantChoice), async (c) => c.json(await c.get("services").users.joinCode(c.get("principal"), c.req.valid("json"))));
  return api;
}
