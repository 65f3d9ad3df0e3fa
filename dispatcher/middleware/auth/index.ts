// Resolves the caller: an API token (`Authorization: Bearer`) or a signed-in user's session
// cookie. Cookie-authenticated writes must carry the session's CSRF token, which a page on
// another origin cannot read. A platform admin may act inside another tenant by naming it in
// `X-Iota-Tenant`; nobody else can choose their tenant.
import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import { AppError } from "../../../protocol/errors.ts";
import type { AppEnv } from "../../types.ts";

export const sessionCookie = "iota_session";
const safeMethods = new Set(["GET", "HEAD", "OPTIONS"]);

export function authenticate() {
  return createMiddleware<AppEnv>(async function authenticate(c, next) {
    const services = c.get("services");
    const header = c.req.header("authorization");
    if (header !== undefined) {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match) throw new AppError("UNAUTHENTICATED", "send an API token: Authorization: Bearer <token>");
      const principal = await services.tokens.authenticate(match[1]!);
      if (!principal) throw new AppError("UNAUTHENTICATED", "the API token is unknown or revoked");
      c.set("principal", principal);
    } else {
      const cookie = getCookie(c, sessionCookie);
      const session = cookie ? await services.users.authenticateSession(cookie) : undefined;
      if (!session) throw new AppError("UNAUTHENTICATED", "sign in, or send an API token: Authorization: Bearer <token>");
      if (!safeMethods.has(c.req.method) && c.req.header("x-csrf-token") !== session.csrfToken) {
        throw new AppError("FORBIDDEN", "missing or wrong X-CSRF-Token header for a signed-in request");
      }
      c.set("principal", session.principal);
      c.set("csrfToken", session.csrfToken);
    }
    const actAs = c.req.header("x-iota-tenant");
    const principal = c.get("principal");
    if (actAs && actAs !== principal.tenant.slug) {
      if (!principal.platformAdmin) throw new AppError("FORBIDDEN", "only a platform admin may act in another tenant (X-Iota-Tenant)");
      const tenant = await services.tenants.bySlug(actAs, "X-Iota-Tenant");
      principal.tenant = { id: tenant.id, slug: tenant.slug };
    }
    await next();
  });
}
