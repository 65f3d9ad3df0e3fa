// Opens the embedded libSQL file from the host (Node) and brings its schema up to date.
import { createClient, type Client, type InValue } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { migrate } from "drizzle-orm/libsql/migrator";
import { fileURLToPath } from "node:url";
import type { ProxyQuery, ProxyResult } from "./proxy-protocol.ts";

const migrationsFolder = fileURLToPath(new URL("./migrations", import.meta.url));

export async function openLocalDatabase(file: string): Promise<Client> {
  const client = createClient({ url: `file:${file}` });
  // WAL lets readers go on while a writer commits; the busy timeout rides out short lock waits.
  // synchronous=NORMAL in WAL mode syncs at checkpoints, not at every commit: a commit survives
  // a crash of any process (kill -9 included) and only a power loss can take the last ones.
  await client.execute("PRAGMA journal_mode = WAL");
  await client.execute("PRAGMA synchronous = NORMAL");
  await client.execute("PRAGMA busy_timeout = 5000");
  await client.execute("PRAGMA foreign_keys = ON");
  await migrate(drizzle(client), { migrationsFolder });
  return client;
}

function toRows(columns: readonly string[], rows: readonly Record<number, unknown>[]): unknown[][] {
  return rows.map((row) => columns.map((_, i) => row[i]));
}

function statement(q: ProxyQuery) {
  return { sql: q.sql, args: q.params as InValue[] };
}

function shape(q: ProxyQuery, columns: readonly string[], rows: readonly Record<number, unknown>[]): ProxyResult {
  const values = toRows(columns, rows);
  return { rows: q.method === "get" ? values[0] : values };
}

export async function runProxyQuery(client: Client, q: ProxyQuery): Promise<ProxyResult> {
  const rs = await client.execute(statement(q));
  return shape(q, rs.columns, rs.rows as unknown as Record<number, unknown>[]);
}

/** Runs the statements in one write transaction: all of them land, or none. */
export async function runProxyBatch(client: Client, queries: ProxyQuery[]): Promise<ProxyResult[]> {
  if (queries.length === 0) return [];
  const results = await client.batch(queries.map(statement), "write");
  return results.map((rs, i) => shape(queries[i]!, rs.columns, rs.rows as unknown as Record<number, unknown>[]));
}
