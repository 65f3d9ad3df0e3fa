// Tenants: one per customer company. Only platform admins create them.
import { asc, eq, sql } from "drizzle-orm";
import type { Database } from "../../db/open-remote.ts";
import { tenants, type Tenant } from "../../db/schema.ts";
import type { TenantBudgets, TenantSettings } from "../../protocol/api.ts";
import { AppError, invalid, notFound } from "../../protocol/errors.ts";
import { isUniqueViolation } from "./db-errors.ts";
import { checkAlertRules } from "./alerts.ts";
import { requirePermission, requirePlatformAdmin, type Principal } from "./principal.ts";
import { newId } from "./secrets.ts";
import { cacheTtlMs, TtlCache } from "./ttl-cache.ts";
import { onlyKnown, optionalInteger, optionalString, optionalStringList, requiredString, type Body } from "./validate.ts";

const slugRule = { max: 63, pattern: /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, patternHint: "must be lowercase letters, digits and inner hyphens, like \"acme-corp\"" };
const domainRule = {
  max: 253,
  pattern: /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/,
  patternHint: "must be host names like \"acme.example.com\" (lowercase, no port)",
};

const budgetFields = ["maxQueued", "maxQueuedBytes", "maxHistoryBytesPerDay"] as const;
const mb = 1024 * 1024;
// A byte budget below 1 MB could refuse a single valid input (up to 1 MB) forever.
const budgetRanges: Record<keyof TenantBudgets, [number, number]> = {
  maxQueued: [1, 1_000_000],
  maxQueuedBytes: [mb, 1024 * 1024 * mb],
  maxHistoryBytesPerDay: [mb, 1024 * 1024 * mb],
};

/** The budgets a create or update sets: a number, or null for the platform's default. */
function budgetChanges(body: Body): Partial<Record<keyof TenantBudgets, number | null>> {
  const changes: Partial<Record<keyof TenantBudgets, number | null>> = {};
  for (const field of budgetFields) {
    if (body[field] === null) changes[field] = null;
    else {
      const value = optionalInteger(body, field, ...budgetRanges[field]);
      if (value !== undefined) changes[field] = value;
    }
  }
  return changes;
}

/** A request's host name as tenants' domains are stored: lowercase, no port, no final dot. */
function hostName(host: string): string {
  return host.toLowerCase().replace(/:\d+$/, "").replace(/\.$/, "");
}

export class TenantService {
  readonly #db: Database;
  readonly #budgets: TenantBudgets;
  // Looked up on every endpoint call; rows are shared, so callers never mutate them.
  readonly #byHost = new TtlCache<string, Tenant | undefined>(cacheTtlMs, 10_000);
  readonly #bySlug = new TtlCache<string, Tenant | undefined>(cacheTtlMs, 10_000);
  readonly #byId = new TtlCache<string, Tenant | undefined>(cacheTtlMs, 10_000);

  /** `budgets`: the platform's defaults, for tenants without their own. */
  constructor(db: Database, budgets: TenantBudgets) {
    this.#db = db;
    this.#budgets = budgets;
  }

  /** The tenant whose domains include this request host, if any. */
  findByHost(host: string): Promise<Tenant | undefined> {
    const name = hostName(host);
    // Only a name a tenant could have is looked up (and remembered).
    if (!domainRule.pattern.test(name)) return Promise.resolve(undefined);
    return this.#byHost.get(name, async () => {
      const [row] = await this.#db.select().from(tenants).where(sql`EXISTS (SELECT 1 FROM json_each(${tenants.domains}) WHERE value = ${name})`);
      return row;
    });
  }

  findBySlug(slug: string): Promise<Tenant | undefined> {
    if (slug.length > slugRule.max || !slugRule.pattern.test(slug)) return Promise.resolve(undefined);
    return this.#bySlug.get(slug, async () => {
      const [row] = await this.#db.select().from(tenants).where(eq(tenants.slug, slug));
      return row;
    });
  }

  findById(id: string): Promise<Tenant | undefined> {
    return this.#byId.get(id, async () => {
      const [row] = await this.#db.select().from(tenants).where(eq(tenants.id, id));
      return row;
    });
  }

  #changed(): void {
    this.#byHost.clear();
    this.#bySlug.clear();
    this.#byId.clear();
  }

  async create(principal: Principal, body: Body): Promise<Tenant> {
    requirePlatformAdmin(principal);
    onlyKnown(body, ["slug", "name", "domains", "maxConcurrency", ...budgetFields]);
    const slug = requiredString(body, "slug", slugRule);
    const name = requiredString(body, "name", { max: 200 });
    const domains = [...new Set(optionalStringList(body, "domains", { ...domainRule, maxItems: 20 }) ?? [])];
    const maxConcurrency = optionalInteger(body, "maxConcurrency", 1, 1000);
    const budgets = budgetChanges(body);
    await this.#checkDomainsFree(domains);
    const id = newId("ten");
    try {
      const [row] = await this.#db.insert(tenants).values({ id, slug, name, domains, maxConcurrency, ...budgets }).returning();
      return row!;
    } catch (e) {
      if (isUniqueViolation(e)) throw new AppError("CONFLICT", `a tenant with slug "${slug}" already exists`, { field: "slug" });
      throw e;
    } finally {
      this.#changed();
    }
  }

  /** Platform admins change a tenant's name, domains, concurrency limit and budgets. */
  async update(principal: Principal, slug: string, body: Body): Promise<Tenant> {
    requirePlatformAdmin(principal);
    onlyKnown(body, ["name", "domains", "maxConcurrency", "egressAllow", "egressDeny", "retentionDays", "alerts", ...budgetFields]);
    const budgets = budgetChanges(body);
    const retentionDays = optionalInteger(body, "retentionDays", 1, 3650);
    const alerts = body.alerts === undefined ? undefined : checkAlertRules(body.alerts);
    const hostRule = { max: 253, pattern: /^(\*\.)?[a-z0-9.-]+$/, patternHint: 'must be host names like "api.stripe.com" or "*.example.com"' };
    const egressAllow = optionalStringList(body, "egressAllow", { ...hostRule, maxItems: 200 });
    const egressDeny = optionalStringList(body, "egressDeny", { ...hostRule, maxItems: 200 });
    const tenant = await this.bySlug(slug, "slug").catch(() => {
      throw notFound("tenant");
    });
    const name = optionalString(body, "name", { min: 1, max: 200 });
    const domains = optionalStringList(body, "domains", { ...domainRule, maxItems: 20 });
    if (domains) await this.#checkDomainsFree(domains, tenant.id);
    const maxConcurrency = body.maxConcurrency === null ? null : optionalInteger(body, "maxConcurrency", 1, 1000);
    const changes = {
      ...(name !== undefined ? { name } : {}),
      ...(domains !== undefined ? { domains: [...new Set(domains)] } : {}),
      ...(maxConcurrency !== undefined ? { maxConcurrency } : {}),
      ...(egressAllow !== undefined ? { egressAllow } : {}),
      ...(egressDeny !== undefined ? { egressDeny } : {}),
      ...(retentionDays !== undefined ? { retentionDays } : {}),
      ...(alerts !== undefined ? { alerts } : {}),
      ...budgets,
    };
    if (Object.keys(changes).length === 0) return tenant;
    try {
      const [row] = await this.#db.update(tenants).set(changes).where(eq(tenants.id, tenant.id)).returning();
      return row!;
    } finally {
      this.#changed();
    }
  }

  /**
   * A tenant's own settings, changed by its owners and admins: alerts, retention, egress lists;
   * and its budgets as they apply, which only a platform admin changes.
   */
  async settings(principal: Principal): Promise<TenantSettings> {
    requirePermission(principal, "tokens.manage");
    const [row] = await this.#db.select().from(tenants).where(eq(tenants.id, principal.tenant.id));
    return { alerts: row!.alerts, retentionDays: row!.retentionDays, egressAllow: row!.egressAllow, egressDeny: row!.egressDeny, budgets: this.budgetsOf(row!) };
  }

  /** A tenant's budgets as they apply: its own where set, else the platform's defaults. */
  budgetsOf(tenant: Pick<Tenant, keyof TenantBudgets>): TenantBudgets {
    return {
      maxQueued: tenant.maxQueued ?? this.#budgets.maxQueued,
      maxQueuedBytes: tenant.maxQueuedBytes ?? this.#budgets.maxQueuedBytes,
      maxHistoryBytesPerDay: tenant.maxHistoryBytesPerDay ?? this.#budgets.maxHistoryBytesPerDay,
    };
  }

  async updateSettings(principal: Principal, body: Body) {
    requirePermission(principal, "tokens.manage");
    onlyKnown(body, ["alerts", "retentionDays", "egressAllow", "egressDeny"]);
    const tenant = await this.bySlug(principal.tenant.slug, "tenant");
    await this.update({ ...principal, platformAdmin: true }, tenant.slug, body);
    return this.settings(principal);
  }

  async #checkDomainsFree(domains: string[], exceptTenantId?: string): Promise<void> {
    for (const domain of domains) {
      const [taken] = await this.#db
        .select({ id: tenants.id })
        .from(tenants)
        .where(sql`EXISTS (SELECT 1 FROM json_each(${tenants.domains}) WHERE value = ${domain})`);
      if (taken && taken.id !== exceptTenantId) throw new AppError("CONFLICT", `domain ${domain} already belongs to another tenant`, { field: "domains" });
    }
  }

  async list(principal: Principal): Promise<Tenant[]> {
    requirePlatformAdmin(principal);
    return this.#db.select().from(tenants).orderBy(asc(tenants.slug));
  }

  /** The tenant with this slug (from the cache, as on every X-Iota-Tenant call), or a 422 naming `field`. */
  async bySlug(slug: string, field: string): Promise<Tenant> {
    const row = await this.findBySlug(slug);
    if (!row) throw invalid(field, `no tenant with slug "${slug}"`);
    return row;
  }
}
