// Roles and what they may do. The dispatcher enforces these; the admin reads them to hide
// actions a user may not take.

export const roles = ["owner", "admin", "developer", "viewer"] as const;
export type Role = (typeof roles)[number];

export const permissions = [
  "scripts.read",
  "scripts.write",
  "scripts.delete",
  "scripts.execute",
  "executions.read",
  "tokens.manage",
  "users.manage",
  "secrets.manage",
] as const;
export type Permission = (typeof permissions)[number];

const grants: Record<Role, readonly Permission[]> = {
  owner: permissions,
  admin: permissions.filter((p) => p !== "users.manage"),
  developer: ["scripts.read", "scripts.write", "scripts.execute", "executions.read"],
  viewer: ["scripts.read", "executions.read"],
};

export function can(role: Role, permission: Permission): boolean {
  return grants[role].includes(permission);
}

/** A role may hand out only roles whose permissions it holds itself. */
export function canGrant(granter: Role, role: Role): boolean {
  return grants[role].every((p) => can(granter, p)) && (granter === "owner" || role !== "owner");
}

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && (roles as readonly string[]).includes(value);
}
