// Opens the database from inside workerd. Locally the host owns the embedded libSQL file and
// answers queries over a service binding; deployed, LIBSQL_URL points at sqld or Turso.
import { createClient } from "@libsql/client/web";
import { drizzle as drizzleLibsql } from "drizzle-orm/libsql/web";
import { drizzle as drizzleProxy } from "drizzle-orm/sqlite-proxy";
import type { SqliteRemoteDatabase } from "drizzle-orm/sqlite-proxy";
import * as schema from "./schema.ts";
import type { ProxyError, ProxyQuery, ProxyResult } from "./proxy-protocol.ts";

// Both drivers build the same async SQLite queries and both batch atomically; the proxy's type
// stands for either.
export type Database = SqliteRemoteDatabase<typeof schema>;

export interface DatabaseBindings {
  LIBSQL_URL?: string;
  LIBSQL_AUTH_TOKEN?: string;
  HOST?: Fetcher;
  HOST_SECRET?: string;
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
  if (env.LIBSQL_URL) {
    const client = createClient({ url: env.LIBSQL_URL, authToken: env.LIBSQL_AUTH_TOKEN });
    return drizzleLibsql(client, { schema }) as unknown as Database;
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

  return drizzleProxy(
    (sql, params, method) => post<ProxyResult>("/db/query", { sql, params, method } satisfies ProxyQuery) as Promise<{ rows: any[] }>,
    (queries) => post<ProxyResult[]>("/db/batch", queries satisfies ProxyQuery[]) as Promise<{ rows: any[] }[]>,
    { schema },
  ) as unknown as Database;
}
