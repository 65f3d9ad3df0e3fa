// API tokens: shown once when created, stored only as a SHA-256 hash.
import { and, asc, eq, isNull } from "drizzle-orm";
import type { Database } from "../../db/open-remote.ts";
import { apiTokens, tenants } from "../../db/schema.ts";
import type * as z from "zod";
import { AppError, notFound } from "../../protocol/errors.ts";
import { canGrant } from "../../protocol/roles.ts";
import type { createTokenRequest } from "../../protocol/schemas/access.ts";
import { authorOf, requirePermission, type Principal } from "./principal.ts";
import { newId, newTokenSecret, sha256Hex } from "./secrets.ts";
import type { TenantService } from "./tenants.ts";
import { cacheTtlMs, TtlCache } from "./ttl-cache.ts";

export class TokenService {
  readonly #db: Database;
  readonly #tenants: TenantService;
  // Platform services call with the same token many times a second. A revocation made here
  // clears it at once; one made through another isolate takes effect within the TTL.
  readonly #principals = new TtlCache<string, Principal | undefined>(cacheTtlMs, 10_000);

  constructor(db: Database, tenants: TenantService) {
    this.#db = db;
    this.#tenants = tenants;
  }

  /** The principal a bearer token stands for, or undefined for an unknown or revoked token. */
  async authenticate(secret: string): Promise<Principal | undefined> {
    const hash = await sha256Hex(secret);
    const principal = await this.#principals.get(hash, async () => {
      const [row] = await this.#db
        .select({ token: apiTokens, slug: tenants.slug })
        .from(apiTokens)
        .innerJoin(tenants, eq(tenants.id, apiTokens.tenantId))
        .where(and(eq(apiTokens.tokenHash, hash), isNull(apiTokens.revokedAt)));
      if (!row) return undefined;
      const t = row.token;
      return { tokenId: t.id, name: t.name, tenant: { id: t.tenantId, slug: row.slug }, role: t.role, platformAdmin: t.platformAdmin };
    });
    // A copy: callers narrow a principal to another tenant (X-Iota-Tenant) by changing it.
    return principal && { ...principal, tenant: { ...principal.tenant } };
  }

  async create(principal: Principal, body: z.output<typeof createTokenRequest>) {
    requirePermission(principal, "tokens.manage");
    const { name, role, tenant: tenantSlug } = body;
    let tenant = principal.tenant;
    if (tenantSlug !== undefined && tenantSlug !== principal.tenant.slug) {
      if (!principal.platformAdmin) throw new AppError("FORBIDDEN", "only a platform admin may create tokens for another tenant");
      const row = await this.#tenants.bySlug(tenantSlug, "tenant");
      tenant = { id: row.id, slug: row.slug };
    } else if (!principal.platformAdmin && !canGrant(principal.role, role)) {
      throw new AppError("FORBIDDEN", `your role (${principal.role}) cannot create a token with the ${role} role`, { field: "role" });
    }
    const secret = newTokenSecret();
    const id = newId("tok");
    await this.#db.insert(apiTokens).values({ id, tenantId: tenant.id, name, role, tokenHash: await sha256Hex(secret), createdBy: authorOf(principal) });
    return { id, name, role, tenant: tenant.slug, token: secret };
  }

  async list(principal: Principal) {
    requirePermission(principal, "tokens.manage");
    return this.#db
      .select({
        id: apiTokens.id,
        name: apiTokens.name,
        role: apiTokens.role,
        platformAdmin: apiTokens.platformAdmin,
        createdBy: apiTokens.createdBy,
        createdAt: apiTokens.createdAt,
      })
      .from(apiTokens)
      .where(and(eq(apiTokens.tenantId, principal.tenant.id), isNull(apiTokens.revokedAt)))
      .orderBy(asc(apiTokens.createdAt));
  }

  async revoke(principal: Principal, id: string): Promise<void> {
    requirePermission(principal, "tokens.manage");
    const [target] = await this.#db
      .select()
      .from(apiTokens)
      .where(and(eq(apiTokens.id, id), eq(apiTokens.tenantId, principal.tenant.id), isNull(apiTokens.revokedAt)));
    if (!target) throw notFound("token");
    // Like minting, revoking is limited to tokens no stronger than the caller's own.
    if (!principal.platformAdmin && (target.platformAdmin || !canGrant(principal.role, target.role))) {
      throw new AppError("FORBIDDEN", `your role (${principal.role}) cannot revoke a ${target.platformAdmin ? "platform admin" : target.role} token`);
    }
    const revoked = await this.#db
      .update(apiTokens)
      .set({ revokedAt: new Date().toISOString() })
      .where(and(eq(apiTokens.id, id), eq(apiTokens.tenantId, principal.tenant.id), isNull(apiTokens.revokedAt)))
      .returning({ id: apiTokens.id })
      .finally(() => this.#principals.clear());
    if (revoked.length === 0) throw notFound("token");
  }
}
