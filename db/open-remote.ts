// Opens the database from inside workerd. Locally the host owns the embedded libSQL file and
// answers queries over a service binding; with LIBSQL_URL the dispatcher sends them to a libSQL
// server (sqld, Turso) itself. Both speak the same two calls (db/proxy-protocol.ts) under
// drizzle's proxy driver, so rows look the same whichever serves them; on Cloudflare, D1.
import { drizzle as drizzleProxy } from "drizzle-orm/sqlite-proxy";
import type { SqliteRemoteDatabase } from "drizzle-orm/sqlite-proxy";
import * as schema from "./schema.ts";
import { openD1Database } from "./open-d1.ts";
import { libsqlServerTransport, type SqlTransport } from "./libsql-server.ts";
import type { ProxyError, ProxyQuery, ProxyResult, Statement, StatementBatch } from "./proxy-protocol.ts";

export type { Statement, StatementBatch };

// Every driver builds the same async SQLite queries and batches atomically; the proxy's type
// stands for all of them.
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

const failure = (code: string, message: string) => new DatabaseError(code, message);

/** The host's engine for the embedded file, over the HOST service binding. */
function hostTransport(host: Fetcher, secret: string): SqlTransport {
  async function post<T>(path: string, body: unknown): Promise<T> {
    const response = await host.fetch(`http://host${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-iota-host-secret": secret },
      body: JSON.stringify(body),
    });
    const payload = (await response.json()) as T | ProxyError;
    if (!response.ok) {
      const { code, message } = (payload as ProxyError).error;
      throw failure(code, message);
    }
    return payload as T;
  }
  return {
    query: (q) => post<ProxyResult>("/db/query", q),
    batch: (queries) => post<ProxyResult[]>("/db/batch", queries),
  };
}

function overTransport(transport: SqlTransport): Database {
  const $batch: StatementBatch = async (statements) => {
    const results = await transport.batch(statements.map((s) => ({ sql: s.sql, params: s.params, method: "all" })) satisfies ProxyQuery[]);
    return results.map((r) => (r.rows ?? []) as unknown[][]);
  };
  // drizzle's proxy driver types its rows as any[]: these casts only name its own type.
  const db = drizzleProxy(
    // biome-ignore lint/suspicious/noExplicitAny: the shape drizzle's sqlite-proxy callback declares
    (sql, params, method) => transport.query({ sql, params, method }) as Promise<{ rows: any[] }>,
    // biome-ignore lint/suspicious/noExplicitAny: the shape drizzle's sqlite-proxy callback declares
    (queries) => transport.batch(queries) as Promise<{ rows: any[] }[]>,
    { schema },
  );
  return Object.assign(db, { $batch }) as unknown as Database;
}

export function openDatabase(env: DatabaseBindings): Database {
  if (env.DB) return openD1Database(env.DB as never);
  if (env.LIBSQL_URL) return overTransport(libsqlServerTransport(env.LIBSQL_URL, env.LIBSQL_AUTH_TOKEN || undefined, failure));
  if (!env.HOST || !env.HOST_SECRET) throw new Error("no database configured: set LIBSQL_URL or run under the host (HOST binding)");
  return overTransport(hostTransport(env.HOST, env.HOST_SECRET));
}
