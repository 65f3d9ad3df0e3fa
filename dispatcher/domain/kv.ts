// Script state: a small per-tenant key-value store, values as JSON, with optional expiry.
import { and, asc, eq, gt, isNull, like, lte, or, sql } from "drizzle-orm";
import type { Database } from "../../db/open-remote.ts";
import { kvEntries } from "../../db/business.ts";
import { AppError, invalid } from "../../protocol/errors.ts";

export const kvCaps = { maxKeyChars: 512, maxValueBytes: 128 * 1024, maxKeysPerTenant: 10_000, maxTtlSeconds: 365 * 86_400 } as const;

// Control characters and lone surrogates: SQLite cuts text at NUL (a key would list back cut
// short, and two keys would collide), and the others cannot be shown or typed back reliably.
const unusableInKeys = /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function checkKey(key: unknown, field = "key"): string {
  if (typeof key !== "string" || key.length === 0 || key.length > kvCaps.maxKeyChars)
    throw invalid(field, `kv keys are strings of 1-${kvCaps.maxKeyChars} characters`);
  if (unusableInKeys.test(key)) {
    const shown = JSON.stringify(key.length > 80 ? `${key.slice(0, 80)}…` : key);
    throw invalid(field, `kv key ${shown} contains a control character or a lone surrogate; keys are printable text`);
  }
  return key;
}

/** A put's key, value and options as the store takes them, or the refusal a put would answer. */
export function checkPut(key: unknown, value: unknown, options: unknown): { key: string; json: string; ttl: number | undefined } {
  const k = checkKey(key);
  const json = JSON.stringify(value);
  if (json === undefined) throw invalid("value", "kv values must be JSON-serialisable");
  if (new TextEncoder().encode(json).byteLength > kvCaps.maxValueBytes)
    throw new AppError("PAYLOAD_TOO_LARGE", `kv values are at most ${kvCaps.maxValueBytes} bytes as JSON`, { field: "value" });
  const ttl = (options as { ttlSeconds?: unknown } | undefined)?.ttlSeconds;
  if (ttl !== undefined && (typeof ttl !== "number" || !Number.isInteger(ttl) || ttl < 1 || ttl > kvCaps.maxTtlSeconds)) {
    throw invalid("ttlSeconds", `ttlSeconds must be a whole number from 1 to ${kvCaps.maxTtlSeconds}`);
  }
  return { key: k, json, ttl };
}

export class KvStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  #live(tenantId: string, now: string) {
    return and(eq(kvEntries.tenantId, tenantId), or(isNull(kvEntries.expiresAt), gt(kvEntries.expiresAt, now)));
  }

  async get(tenantId: string, key: unknown): Promise<unknown> {
    const [row] = await this.#db
      .select({ value: kvEntries.value })
      .from(kvEntries)
      .where(and(this.#live(tenantId, new Date().toISOString()), eq(kvEntries.key, checkKey(key))));
    return row ? JSON.parse(row.value) : null;
  }

  async put(tenantId: string, key: unknown, value: unknown, options: unknown): Promise<void> {
    const { key: k, json, ttl } = checkPut(key, value, options);
    const now = new Date();
    const expiresAt = ttl === undefined ? null : new Date(now.getTime() + ttl * 1000).toISOString();
    // The cap is checked in the statement that writes, so concurrent puts cannot pass it together.
    const write = async () => {
      const [written] = await this.#db.$batch([
        {
          sql: `INSERT INTO kv_entries (tenant_id, key, value, expires_at, updated_at)
            SELECT ?1, ?2, ?3, ?4, ?5
            WHERE EXISTS (SELECT 1 FROM kv_entries WHERE tenant_id = ?1 AND key = ?2)
              OR (SELECT count(*) FROM kv_entries WHERE tenant_id = ?1) < ?6
            ON CONFLICT (tenant_id, key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at, updated_at = excluded.updated_at
            RETURNING key`,
          params: [tenantId, k, json, expiresAt, now.toISOString(), kvCaps.maxKeysPerTenant],
        },
      ]);
      return written!.length > 0;
    };
    if (await write()) return;
    // Expired entries stop counting against the cap once swept.
    await this.#db.delete(kvEntries).where(and(eq(kvEntries.tenantId, tenantId), lte(kvEntries.expiresAt, now.toISOString())));
    if (await write()) return;
    throw new AppError("CONFLICT", `the tenant's kv store holds its ${kvCaps.maxKeysPerTenant} keys; delete some first`);
  }

  async delete(tenantId: string, key: unknown): Promise<boolean> {
    const gone = await this.#db
      .delete(kvEntries)
      .where(and(eq(kvEntries.tenantId, tenantId), eq(kvEntries.key, checkKey(key))))
      .returning({ key: kvEntries.key });
    return gone.length > 0;
  }

  async list(tenantId: string, options: unknown): Promise<{ keys: { key: string; expiresAt: string | null }[]; cursor: string | null }> {
    const o = (options ?? {}) as { prefix?: unknown; limit?: unknown; cursor?: unknown };
    const limit = o.limit ?? 100;
    if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 || limit > 1000)
      throw invalid("limit", "limit must be a whole number from 1 to 1000");
    const where = [this.#live(tenantId, new Date().toISOString())];
    if (o.prefix !== undefined) {
      if (typeof o.prefix !== "string") throw invalid("prefix", "prefix must be a string");
      if (o.prefix !== "") checkKey(o.prefix, "prefix");
      where.push(sql`${like(kvEntries.key, `${o.prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`)} ESCAPE '\\'`);
    }
    if (o.cursor !== undefined && o.cursor !== null) {
      if (typeof o.cursor !== "string") throw invalid("cursor", "cursor must come from a previous list");
      where.push(gt(kvEntries.key, o.cursor));
    }
    const rows = await this.#db
      .select({ key: kvEntries.key, expiresAt: kvEntries.expiresAt })
      .from(kvEntries)
      .where(and(...where))
      .orderBy(asc(kvEntries.key))
      .limit(limit + 1);
    const keys = rows.slice(0, limit);
    return { keys, cursor: rows.length > limit ? keys.at(-1)!.key : null };
  }
}
