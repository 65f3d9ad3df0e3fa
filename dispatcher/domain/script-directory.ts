// Which scripts a tenant has, by kind, for the paths that look them up on every call: an HTTP
// request finding its endpoint, an event finding its subscribers, a platform service finding its
// embedded script. Kept per isolate (see TtlCache); every script write clears the tenant's entry.
import { and, eq, isNull } from "drizzle-orm";
import type { Database } from "../../db/open-remote.ts";
import { scripts, type Script, type Tenant, type Trigger } from "../../db/schema.ts";
import { scriptKinds, type ScriptKind } from "./script-spec.ts";
import type { TenantService } from "./tenants.ts";
import { cacheTtlMs, TtlCache } from "./ttl-cache.ts";

/** The kind of script a trigger starts; a manual run may be of any kind. */
export function kindOfTrigger(trigger: Trigger): ScriptKind | undefined {
  return trigger === "manual" ? undefined : trigger;
}

export class ScriptDirectory {
  readonly #db: Database;
  readonly #tenants: TenantService;
  readonly #cache = new TtlCache<string, readonly Script[]>(cacheTtlMs, 10_000);

  constructor(db: Database, tenants: TenantService) {
    this.#db = db;
    this.#tenants = tenants;
  }

  /**
   * A live script of this kind with its tenant, from the caches, for the paths that run with
   * every execution; undefined when it is not there (deleted, or the kind unknown), and the
   * caller reads the database instead.
   */
  async find(tenantId: string, kind: ScriptKind | undefined, scriptId: string): Promise<{ script: Script; tenant: Tenant } | undefined> {
    if (!kind) return undefined;
    const script = (await this.live(tenantId, kind)).find((s) => s.id === scriptId);
    const tenant = script && (await this.#tenants.findById(tenantId));
    return script && tenant ? { script, tenant } : undefined;
  }

  /** The tenant's scripts of this kind that are not deleted, enabled or not. Do not mutate. */
  live(tenantId: string, kind: ScriptKind): Promise<readonly Script[]> {
    return this.#cache.get(`${tenantId}:${kind}`, () =>
      this.#db
        .select()
        .from(scripts)
        .where(and(eq(scripts.tenantId, tenantId), eq(scripts.kind, kind), isNull(scripts.deletedAt))),
    );
  }

  /** Told of every write to a tenant's scripts. */
  changed(tenantId: string): void {
    for (const kind of scriptKinds) this.#cache.delete(`${tenantId}:${kind}`);
  }
}
