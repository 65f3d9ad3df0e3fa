import { AppError } from "../../protocol/errors.ts";
import { can, type Permission, type Role } from "../../protocol/roles.ts";

/** Who is calling, resolved from their credentials; the tenant never comes from the request body. */
export interface Principal {
  tokenId: string;
  name: string;
  tenant: { id: string; slug: string };
  role: Role;
  platformAdmin: boolean;
  /** Set when a signed-in user (not an API token) is calling. */
  userId?: string;
}

export function requirePermission(principal: Principal, permission: Permission): void {
  if (!can(principal.role, permission)) {
    throw new AppError("FORBIDDEN", `your role (${principal.role}) does not have the ${permission} permission`);
  }
}

export function requirePlatformAdmin(principal: Principal): void {
  if (!principal.platformAdmin) throw new AppError("FORBIDDEN", "only a platform admin may do this");
}

/** The author recorded on versions and executions: the credential's name and id. */
export function authorOf(principal: Principal): string {
  return `${principal.name} (${principal.tokenId})`;
}
