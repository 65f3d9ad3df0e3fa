// Resolves the bearer token to a principal. A platform admin may act inside another tenant by
// naming it in `X-Iota-Tenant`; nobody else can choose their tenant.
import { createMiddleware } from "hono/factory";
import { AppError } from "../../../protocol/errors.ts";
import type { AppEnv } from "../../types.ts";

export function bearerAuth() {
  return createMiddleware<AppEnv>(async function authenticate(c, next) {
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new AppError("UNAUTHENTICATED", "send an API token: Authorization: Bearer <token>");
    const services = c.get("services");
    const principal = await services.tokens.authenticate(match[1]!);
    if (!principal) throw new AppError("UNAUTHENTICATED", "the API token is unknown or revoked");
    const actAs = c.req.header("x-iota-tenant");
    if (actAs && actAs !== principal.tenant.slug) {
      if (!principal.platformAdmin) throw new AppError("FORBIDDEN", "only a platform admin may act in another tenant (X-Iota-Tenant)");
      const tenant = await services.tenants.bySlug(actAs, "X-Iota-Tenant");
      principal.tenant = { id: tenant.id, slug: tenant.slug };
    }
    c.set("principal", principal);
    await next();
  });
}
