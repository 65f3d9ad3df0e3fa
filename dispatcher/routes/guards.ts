// Who may call a route, checked before its request is read: a caller without the permission
// hears 403, whatever they sent. The services check again; these only put the answer first.
import { createMiddleware } from "hono/factory";
import type { Permission } from "../../protocol/roles.ts";
import { requirePermission, requirePlatformAdmin } from "../domain/principal.ts";
import type { AppEnv } from "../types.ts";

export const requires = (permission: Permission) =>
  createMiddleware<AppEnv>(async function permitted(c, next) {
    requirePermission(c.get("principal"), permission);
    await next();
  });

export const platformAdminOnly = createMiddleware<AppEnv>(async function platformAdmin(c, next) {
  requirePlatformAdmin(c.get("principal"));
  await next();
});
