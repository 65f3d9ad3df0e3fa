// Tenants: one per customer company. Only platform admins create them.
import { asc, sql } from "drizzle-orm";
import type { Database } from "../../db/open-remote.ts";
import { tenants, type Tenant } from "../../db/schema.ts";
import { AppError, invalid } from "../../protocol/errors.ts";
import { isUniqueViolation } from "./db-errors.ts";
import { requirePlatformAdmin, type Principal } from "./principal.ts";
import { newId } from "./secrets.ts";
import { onlyKnown, optionalInteger, optionalStringList, requiredString, type Body } from "./validate.ts";

const slugRule = { max: 63, pattern: /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, patternHint: "must be lowercase letters, digits and inner hyphens, like \"acme-corp\"" };
const domainRule = {
  max: 253,
  pattern: /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/,
  patternHint: "must be host names like \"acme.example.com\" (lowercase, no port)",
};

export class TenantService {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async create(principal: Principal, body: Body): Promise<Tenant> {
    requirePlatformAdmin(principal);
    onlyKnown(body, ["slug", "name", "domains", "maxConcurrency"]);
    const slug = requiredString(body, "slug", slugRule);
    const name = requiredString(body, "name", { max: 200 });
    const domains = [...new Set(optionalStringList(body, "domains", { ...domainRule, maxItems: 20 }) ?? [])];
    const maxConcurrency = optionalInteger(body, "maxConcurrency", 1, 1000);
    for (const domain of domains) {
      const [taken] = await this.#db
        .select({ slug: tenants.slug })
        .from(tenants)
        .where(sql`EXISTS (SELECT 1 FROM json_each(${tenants.domains}) WHERE value = ${domain})`);
      if (taken) throw new AppError("CONFLICT", `domain ${domain} already belongs to another tenant`, { field: "domains" });
    }
    const id = newId("ten");
    try {
      const [row] = await this.#db.insert(tenants).values({ id, slug, name, domains, maxConcurrency }).returning();
      return row!;
    } catch (e) {
      if (isUniqueViolation(e)) throw new AppError("CONFLICT", `a tenant with slug "${slug}" already exists`, { field: "slug" });
      throw e;
    }
  }

  async list(principal: Principal): Promise<Tenant[]> {
    requirePlatformAdmin(principal);
    return this.#db.select().from(tenants).orderBy(asc(tenants.slug));
  }

  async bySlug(slug: string, field: string): Promise<Tenant> {
    const [row] = await this.#db.select().from(tenants).where(sql`${tenants.slug} = ${slug}`);
    if (!row) throw invalid(field, `no tenant with slug "${slug}"`);
    return row;
  }
}
