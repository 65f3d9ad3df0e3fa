// Tenants: one per customer company. Only platform admins create them.
import { asc, eq, sql } from "drizzle-orm";
import type { Database } from "../../db/open-remote.ts";
import type * as z from "zod";
import { tenants, type Tenant } from "../../db/schema.ts";
import type { TenantBudgets, TenantSettings } from "../../protocol/api.ts";
import { AppError, invalid, notFound } from "../../protocol/errors.ts";
import { domainName, tenantSlug, type createTenantRequest, type updateSettingsRequest, type updateTenantRequest } from "../../protocol/schemas/tenants.ts";
import { checkAlertWebhooks } from "./alert-targets.ts";
import { isUniqueViolation } from "./db-errors.ts";
import { requirePermission, requirePlatformAdmin, type Principal } from "./principal.ts";
import { newId } from "./secrets.ts";
import { cacheTtlMs, TtlCache } from "./ttl-cache.ts";

type TenantChanges = z.output<typeof updateTenantRequest>;

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
    if (!domainName.safeParse(name).success) return Promise.resolve(undefined);
    return this.#byHost.get(name, async () => {
      const [row] = await this.#db.select().from(tenants).where(sql`EXISTS (SELECT 1 FROM json_each(${tenants.domains}) WHERE value = ${name})`);
      return row;
    });
  }

  findBySlug(slug: string): Promise<Tenant | undefined> {
    if (!tenantSlug.safeParse(slug).success) return Promise.resolve(undefined);
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

  async create(principal: Principal, body: z.output<typeof createTenantRequest>): Promise<Tenant> {
    requirePlatformAdmin(principal);
    const { slug, domains = [] } = body;
    await this.#checkDomainsFree(domains);
    const id = newId("ten");
    try {
      const [row] = await this.#db
        .insert(tenants)
        .values({ id, ...body, domains })
        .returning();
      return row!;
    } catch (e) {
      if (isUniqueViolation(e)) throw new AppError("CONFLICT", `a tenant with slug "${slug}" already exists`, { field: "slug" });
      throw e;
    } finally {
      this.#changed();
    }
  }

  /** Platform admins change a tenant's name, domains, concurrency limit and budgets. */
  async update(principal: Principal, slug: string, changes: TenantChanges): Promise<Tenant> {
    requirePlatformAdmin(principal);
    const tenant = await this.bySlug(slug, "slug").catch(() => {
      throw notFound("tenant");
    });
    if (changes.domains) await this.#checkDomainsFree(changes.domains, tenant.id);
    checkAlertWebhooks(changes.alerts);
    if (Object.values(changes).every((value) => value === undefined)) return tenant;
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
    return {
      alerts: row!.alerts,
      retentionDays: row!.retentionDays,
      egressAllow: row!.egressAllow,
      egressDeny: row!.egressDeny,
      budgets: this.budgetsOf(row!),
    };
  }

  /** A tenant's budgets as they apply: its own where set, else the platform's defaults. */
  budgetsOf(tenant: Pick<Tenant, keyof TenantBudgets>): TenantBudgets {
    return {
      maxQueued: tenant.maxQueued ?? this.#budgets.maxQueued,
      maxQueuedBytes: tenant.maxQueuedBytes ?? this.#budgets.maxQueuedBytes,
      maxHistoryBytesPerDay: tenant.maxHistoryBytesPerDay ?? this.#budgets.maxHistoryBytesPerDay,
    };
  }

  async updateSettings(principal: Principal, body: z.output<typeof updateSettingsRequest>) {
    requirePermission(principal, "tokens.manage");
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
