// The dispatcher's way to a libSQL server (sqld, Turso) over HTTP: the same two calls the host
// answers for the embedded file (db/proxy-protocol.ts), so drizzle's proxy driver, and with it
// every query's rows (arrays, in column order), is the same on both paths. Each call is one
// HTTP request; a batch is one transaction, begun and committed within that request.
import { createClient, type InValue, type Row } from "@libsql/client/web";
import type { ProxyQuery, ProxyResult } from "./proxy-protocol.ts";

export interface SqlTransport {
  query(q: ProxyQuery): Promise<ProxyResult>;
  /** Runs the statements in one write transaction: all of them land, or none. */
  batch(queries: ProxyQuery[]): Promise<ProxyResult[]>;
}

/** A failure with SQLite's (or the server's) code, which the domain reads; made by the caller's error type. */
export type Failure = (code: string, message: string) => Error;

// As the host's engine binds them: the wire has no undefined, and SQLite no booleans.
function toSqlValue(value: unknown): InValue {
  if (value === undefined) return null;
  return value as InValue;
}

function toResult(q: ProxyQuery, rows: Row[]): ProxyResult {
  const arrays = rows.map((row) => Array.from(row));
  return { rows: q.method === "get" ? arrays[0] : arrays };
}

export function libsqlServerTransport(url: string, authToken: string | undefined, failure: Failure): SqlTransport {
  const client = createClient({ url, authToken });
  const statement = (q: ProxyQuery) => ({ sql: q.sql, args: q.params.map(toSqlValue) });
  const translated = (error: unknown): Error => {
    const e = error as { code?: unknown; message?: unknown };
    return Object.assign(failure(typeof e.code === "string" ? e.code : "DATABASE_ERROR", String(e.message ?? error)), { cause: error });
  };
  return {
    async query(q) {
      const result = await client.execute(statement(q)).catch((e: unknown) => Promise.reject(translated(e)));
      return toResult(q, result.rows);
    },
    async batch(queries) {
      if (queries.length === 0) return [];
      const results = await client.batch(queries.map(statement), "write").catch((e: unknown) => Promise.reject(translated(e)));
      return results.map((r, i) => toResult(queries[i]!, r.rows));
    },
  };
}
