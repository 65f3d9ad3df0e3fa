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

/**
 * The code a failure carries when the server could not be asked at all (down, unreachable, hung,
 * or answering 5xx), as opposed to a statement the server refused. The API answers it 503 with
 * Retry-After (dispatcher/middleware/errors), and an outcome write retries it.
 */
export const databaseUnavailable = "DATABASE_UNAVAILABLE";

/**
 * How long one HTTP request to the server may take. A statement here is one short transaction
 * (the heaviest, a history page or a group commit of outcomes, takes tens of milliseconds on a
 * busy server), so 10 s is far past anything a working server needs, and short enough that an
 * API caller hears 503 well before a client or proxy in front gives up (commonly 30-60 s), and
 * that a hung server does not pile up requests for minutes.
 */
export const requestTimeoutMs = 10_000;

// As the host's engine binds them: the wire has no undefined, and SQLite no booleans.
function toSqlValue(value: unknown): InValue {
  if (value === undefined) return null;
  return value as InValue;
}

function toResult(q: ProxyQuery, rows: Row[]): ProxyResult {
  const arrays = rows.map((row) => Array.from(row));
  return { rows: q.method === "get" ? arrays[0] : arrays };
}

/**
 * Why the server could not be asked, or undefined when it answered (a refused statement, a
 * constraint, a bad token: those are not outages, and retrying them changes nothing).
 */
export function transportProblem(error: unknown): string | undefined {
  for (
    let e = error as { name?: unknown; code?: unknown; message?: unknown; cause?: unknown; status?: unknown } | undefined, depth = 0;
    e && depth < 6;
    depth++
  ) {
    if (e.name === "TimeoutError") return `no answer within ${requestTimeoutMs / 1000} s`;
    if (e.name === "HttpServerError" && typeof e.status === "number" && e.status >= 500) return `the server answered HTTP ${e.status}`;
    // undici's "fetch failed" (refused, reset, DNS) and workerd's "Network connection lost".
    if (e.name === "TypeError" && /fetch failed|network|connect/i.test(String(e.message))) {
      const inner = e.cause as { code?: unknown; message?: unknown } | undefined;
      return inner?.code ? `fetch failed (${String(inner.code)})` : String(e.message);
    }
    if (e.code === "SERVER_ERROR" && /HTTP status 5\d\d/.test(String(e.message))) return String(e.message);
    if (/ECONNREFUSED|ECONNRESET|EPIPE|socket hang up|other side closed|Network connection lost/i.test(String(e.message ?? ""))) return String(e.message);
    e = e.cause as typeof e;
  }
  return undefined;
}

/**
 * A URL as it may appear in a message or a log: without a user name or password (a URL may carry
 * them, and messages end up in logs and terminals), and without its query (where a token might be).
 */
export function redactedUrl(raw: string): string {
  return raw.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/?#]*@/i, "$1").replace(/\?.*$/s, "");
}

/**
 * What is wrong with a libSQL server URL (libsql://, http://, https://), in words that name
 * LIBSQL_URL, or undefined when it is one the client can use. It never echoes a credential.
 */
export function serverUrlProblem(raw: string): string | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(raw)?.[1]?.toLowerCase();
  if (!scheme) return `LIBSQL_URL ${JSON.stringify(redactedUrl(raw))} has no scheme: use libsql://<host>, https://<host>, http://<host>:<port> or file:<path>`;
  // Not ws:// or wss://: the dispatcher keeps its database client across requests, and workerd
  // lets a WebSocket serve only the request that opened it. Over HTTP each query is its own.
  if (!["libsql", "http", "https"].includes(scheme))
    return `LIBSQL_URL must be a libsql://, https:// (sqld, Turso) or file: URL, not ${scheme}: (http:// works for a local sqld)`;
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(raw)?.[1];
  if (authority === undefined) return `LIBSQL_URL must be ${scheme}://<host>[:<port>], got ${JSON.stringify(redactedUrl(raw))}`;
  if (authority.includes("@")) return "LIBSQL_URL has a user name or password in it (before @): remove it and pass the credential as LIBSQL_AUTH_TOKEN";
  const [, host, port] = /^(\[[^\]]*\]|[^:]*)(?::(.*))?$/.exec(authority) ?? [];
  if (!host) return `LIBSQL_URL ${JSON.stringify(redactedUrl(raw))} names no host: use ${scheme}://<host>[:<port>]`;
  if (port !== undefined && !(/^\d{1,5}$/.test(port) && Number(port) >= 1 && Number(port) <= 65535))
    return `LIBSQL_URL ${JSON.stringify(redactedUrl(raw))} has port ${JSON.stringify(port)}: a port is a number from 1 to 65535`;
  if (!URL.parse(raw)) return `LIBSQL_URL ${JSON.stringify(redactedUrl(raw))} is not a valid URL`;
  return undefined;
}

export function libsqlServerTransport(url: string, authToken: string | undefined, failure: Failure): SqlTransport {
  // Every request has a deadline: a hung server (stopped, partitioned) otherwise holds each API
  // request, and each outcome write, for as long as the socket stays open.
  const timedFetch = (request: Request) => fetch(request, { signal: AbortSignal.timeout(requestTimeoutMs) });
  const client = createClient({ url, authToken, fetch: timedFetch });
  const statement = (q: ProxyQuery) => ({ sql: q.sql, args: q.params.map(toSqlValue) });
  const translated = (error: unknown): Error => {
    const problem = transportProblem(error);
    if (problem !== undefined)
      return Object.assign(failure(databaseUnavailable, `the database at ${new URL(url).host} is unavailable: ${problem}`), { cause: error });
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
