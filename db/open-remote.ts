// Opens the database from inside workerd. Locally the host owns the embedded libSQL file and
// answers queries over a service binding; deployed, LIBSQL_URL points at sqld or Turso.
import { createClient, type InValue } from "@libsql/client/web";
import { drizzle as drizzleLibsql } from "drizzle-orm/libsql/web";
import { drizzle as drizzleProxy } from "drizzle-orm/sqlite-proxy";
import type { SqliteRemoteDatabase } from "drizzle-orm/sqlite-proxy";
import * as schema from "./schema.ts";
import { openD1Database } from "./open-d1.ts";
import type { ProxyError, ProxyQuery, ProxyResult, Statement, StatementBatch } from "./proxy-protocol.ts";

export type { Statement, StatementBatch };

// Both drivers build the same async SQLite queries and both batch atomically; the proxy's type
// stands for either.
export type Database = SqliteRemoteDatabase<typeof schema> & { readonly $batch: StatementBatch };

export interface DatabaseBindings {
  LIBSQL_URL?: string;
  LIBSQL_AUTH_TOKEN?: string;
  HOST?: Fetcher;
  HOST_SECRET?: string;
  /** Cloudflare D1: the local Cloudflare build (`npm run start:cloudflare`) and its tests. */
  DB?: D1Database;
}

/** A database failure that is not the caller's fault, with SQLite's code kept for mapping. */
export class DatabaseError extends Error {
  override readonly name = "DatabaseError";
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export function openDatabase(env: DatabaseBindings): Database {
  if (env.DB) return openD1Database(env.DB as never);
  if (env.LIBSQL_URL) {
    const client = createClient({ url: env.LIBSQL_URL, authToken: env.LIBSQL_AUTH_TOKEN });
    const $batch: StatementBatch = async (statements) => {
      const results = await client.batch(
        statements.map((s) => ({ sql: s.sql, args: s.params as InValue[] })),
        "write",
      );
      return results.map((rs) => rs.rows.map((row) => Array.from(row)));
    };
    return Object.assign(drizzleLibsql(client, { schema }), { $batch }) as unknown as Database;
  }
  const host = env.HOST;
  const secret = env.HOST_SECRET;
  if (!host || !secret) throw new Error("no database configured: set LIBSQL_URL or run under the host (HOST binding)");

  async function post<T>(path: string, body: unknown): Promise<T> {
    const response = await host!.fetch(`http://host${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-iota-host-secret": secret! },
      body: JSON.stringify(body),
    });
    const payload = (await response.json()) as T | ProxyError;
    if (!response.ok) {
      const { code, message } = (payload as ProxyError).error;
      throw new DatabaseError(code, message);
    }
    return payload as T;
  }

  const $batch: StatementBatch = async (statements) => {
    const results = await post<ProxyResult[]>("/db/batch", statements.map((s) => ({ sql: s.sql, params: s.params, method: "all" })) satisfies ProxyQuery[]);
    return results.map((r) => (r.rows ?? []) as unknown[][]);
  };
  // drizzle's proxy driver types its rows as any[]: these casts only name its own type.
  const db = drizzleProxy(
    // biome-ignore lint/suspicious/noExplicitAny: the shape drizzle's sqlite-proxy callback declares
    (sql, params, method) => post<ProxyResult>("/db/query", { sql, params, method } satisfies ProxyQuery) as Promise<{ rows: any[] }>,
    // biome-ignore lint/suspicious/noExplicitAny: the shape drizzle's sqlite-proxy callback declares
    (queries) => post<ProxyResult[]>("/db/batch", queries satisfies ProxyQuery[]) as Promise<{ rows: any[] }[]>,
    { schema },
  );
  return Object.assign(db, { $batch }) as unknown as Database;
}
