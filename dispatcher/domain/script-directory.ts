// Which scripts a tenant has, by kind, for the paths that look them up on every call: an HTTP
// request finding its endpoint, an event finding its subscribers, a platform service finding its
// embedded script. Kept per isolate (see TtlCache); every script write clears the tenant's entry.
import { and, eq, isNull } from "drizzle-orm";
import type { Database } from "../../db/open-remote.ts";
import { scripts, type Script } from "../../db/schema.ts";
import { scriptKinds, type ScriptKind } from "./script-spec.ts";
import { cacheTtlMs, TtlCache } from "./ttl-cache.ts";

export class ScriptDirectory {
  readonly #db: Database;
  readonly #cache = new TtlCache<string, readonly Script[]>(cacheTtlMs, 10_000);

  constructor(db: Database) {
    this.#db = db;
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
