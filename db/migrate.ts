// Brings a database's schema up to date with db/migrations: the embedded file, once at each
// start of the host, or a libSQL server (sqld, Turso) that several hosts share and may migrate
// at the same moment. Migrations are the schema, not the domain: the host runs them before the
// dispatcher starts, so no domain code ever sees an old schema.
//
// Run as a program (`npm run db:migrate`), it migrates the database LIBSQL_URL names: a
// Cloudflare deployment runs no host to do it at start, so it needs this once per release,
// before `wrangler deploy`.
import { createClient, type Client } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { migrate } from "drizzle-orm/libsql/migrator";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { fileURLToPath } from "node:url";
import { redactedUrl, serverUrlProblem } from "./libsql-server.ts";

const migrationsFolder = fileURLToPath(new URL("./migrations", import.meta.url));
// drizzle's own bookkeeping table, created exactly as its migrator creates it.
const journal = "__drizzle_migrations";

export async function migrateLocalDatabase(file: string): Promise<void> {
  return migrateDatabase({ url: `file:${file}` });
}

export async function migrateDatabase(target: { url: string; authToken?: string }): Promise<void> {
  // The client's own complaints ("Invalid URL") name neither the setting nor what is wrong.
  const problem = /^file:/i.test(target.url) ? undefined : serverUrlProblem(target.url);
  if (problem) throw new Error(problem);
  const client = createClient(target);
  try {
    await reach(client, target.url);
    if (target.url.startsWith("file:")) {
      // WAL lets readers go on while a writer commits, and it is a property of the file: set
      // once here, every later connection has it. (synchronous, busy_timeout and foreign_keys
      // are per connection: the engine sets its own.)
      await client.execute("PRAGMA journal_mode = WAL");
      await client.execute("PRAGMA busy_timeout = 5000");
    }
    await migrateOnce(client);
  } finally {
    client.close();
  }
}

/** The first statement, whose failure says which setting to look at ("fetch failed" alone does not). */
async function reach(client: Client, url: string): Promise<void> {
  try {
    await client.execute("SELECT 1");
  } catch (error) {
    // A server's message may quote the URL it was given, credentials and all.
    const message = (error as Error).message.replaceAll(url, redactedUrl(url));
    if (url.startsWith("file:")) throw new Error(`the database ${url} (LIBSQL_URL) could not be opened: ${message}`, { cause: error });
    const where = new URL(url).host;
    if (/HTTP status 401|HTTP status 403|unauthori[sz]ed/i.test(message))
      throw new Error(`the database at ${where} refused LIBSQL_AUTH_TOKEN: ${message}`, { cause: error });
    throw new Error(`the database at ${where} (LIBSQL_URL) could not be reached: ${message}`, { cause: error });
  }
}

/**
 * drizzle's migrator reads the last migration applied, then applies the rest in one transaction
 * (foreign keys off, so table rebuilds work). Two hosts starting together both read "none" and
 * both send that transaction: the second one's fails whole (its CREATE TABLE finds the table, or,
 * for a migration with nothing to collide, its row breaks the unique index below), leaving the
 * first one's in place. Then it reads again and finds nothing left to do.
 */
async function migrateOnce(client: Client): Promise<void> {
  const migrations = readMigrationFiles({ migrationsFolder });
  const latest = Math.max(0, ...migrations.map((m) => m.folderMillis));
  await client.execute(`CREATE TABLE IF NOT EXISTS ${journal} (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)`);
  await client.execute(`CREATE UNIQUE INDEX IF NOT EXISTS ${journal}_once ON ${journal} (created_at)`).catch(async () => {
    // A journal written before this index, by two migrations at once, may list one twice.
    await client.execute(`DELETE FROM ${journal} WHERE rowid NOT IN (SELECT min(rowid) FROM ${journal} GROUP BY created_at)`);
    await client.execute(`CREATE UNIQUE INDEX IF NOT EXISTS ${journal}_once ON ${journal} (created_at)`);
  });
  for (;;) {
    const before = await lastApplied(client);
    if (before >= latest) return;
    try {
      await migrate(drizzle(client), { migrationsFolder });
      return;
    } catch (error) {
      const after = await lastApplied(client);
      if (after >= latest) return;
      // Another host got further meanwhile: read again and apply what is left. Otherwise the
      // failure is this migration's own.
      if (after === before) throw error;
    }
  }
}

async function lastApplied(client: Client): Promise<number> {
  const result = await client.execute(`SELECT coalesce(max(created_at), 0) AS last FROM ${journal}`);
  return Number(result.rows[0]?.last ?? 0);
}

if (import.meta.main) {
  const url = process.env.LIBSQL_URL;
  if (!url) {
    console.error("LIBSQL_URL is not set: name the database to migrate (libsql://<db>.turso.io, https://..., or file:...)");
    process.exit(2);
  }
  try {
    await migrateDatabase({ url, authToken: process.env.LIBSQL_AUTH_TOKEN || undefined });
    console.log("the database is up to date");
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}
