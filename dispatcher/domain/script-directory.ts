// Which scripts a tenant has, by kind, for the paths that look them up on every call: an HTTP
// request finding its endpoint, an event finding its subscribers, a platform service finding its
// embedded script. Kept per isolate (see TtlCache); every script write clears the tenant's entry.
import { and, eq, isNull } from "drizzle-orm";
import type { Database } from "../../db/open-remote.ts";
import { scripts, type Tenant } from "../../db/schema.ts";
import type { Trigger } from "../../protocol/api.ts";
import { scriptKinds, type ScriptKind } from "../../protocol/schemas/scripts.ts";
import { ofKind, typed, type ScriptOf, type TypedScript } from "./script-view.ts";
import type { TenantService } from "./tenants.ts";
import { cacheTtlMs, TtlCache } from "./ttl-cache.ts";

/** The kind of script a trigger starts; a manual run may be of any kind. */
export function kindOfTrigger(trigger: Trigger): ScriptKind | undefined {
  return trigger === "manual" ? undefined : trigger;
}

export class ScriptDirectory {
  readonly #db: Database;
  readonly #tenants: TenantService;
  readonly #cache = new TtlCache<string, readonly TypedScript[]>(cacheTtlMs, 10_000);

  constructor(db: Database, tenants: TenantService) {
    this.#db = db;
    this.#tenants = tenants;
  }

  /**
   * A live script of this kind with its tenant, from the caches, for the paths that run with
   * every execution; undefined when it is not there (deleted, or the kind unknown), and the
   * caller reads the database instead.
   */
  async find(tenantId: string, kind: ScriptKind | undefined, scriptId: string): Promise<{ script: TypedScript; tenant: Tenant } | undefined> {
    if (!kind) return undefined;
    const script = (await this.live(tenantId, kind)).find((s) => s.id === scriptId);
    const tenant = script && (await this.#tenants.findById(tenantId));
    return script && tenant ? { script, tenant } : undefined;
  }

  /** The tenant's scripts of this kind that are not deleted, enabled or not. Do not mutate. */
  live<K extends ScriptKind>(tenantId: string, kind: K): Promise<readonly ScriptOf<K>[]> {
    const rows = this.#cache.get(`${tenantId}:${kind}`, async () =>
      (
        await this.#db
          .select()
          .from(scripts)
          .where(and(eq(scripts.tenantId, tenantId), eq(scripts.kind, kind), isNull(scripts.deletedAt)))
      ).map((row) => typed(row)),
    );
    return rows.then((all) => ofKind(all, kind));
  }

  /** Told of every write to a tenant's scripts. */
  changed(tenantId: string): void {
    for (const kind of scriptKinds) this.#cache.delete(`${tenantId}:${kind}`);
  }
}
