// Brings the embedded libSQL file's schema up to date, once, when the host starts. The
// connection is closed afterwards: the only one the host keeps is the one that serves the
// dispatcher's SQL (db/local-engine.ts). Migrations are the schema, not the domain: the host
// runs them before the dispatcher starts, so no domain code ever sees an old schema.
import { createClient } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { migrate } from "drizzle-orm/libsql/migrator";
import { fileURLToPath } from "node:url";

const migrationsFolder = fileURLToPath(new URL("./migrations", import.meta.url));

export async function migrateLocalDatabase(file: string): Promise<void> {
  return migrateDatabase({ url: `file:${file}` });
}

/**
 * The same for a libSQL server (sqld, Turso) that several hosts share: each host runs the
 * migrations at start; drizzle's migration table makes the second one find nothing to do.
 */
export async function migrateDatabase(target: { url: string; authToken?: string }): Promise<void> {
  const client = createClient(target);
  try {
    if (target.url.startsWith("file:")) {
      // WAL lets readers go on while a writer commits, and it is a property of the file: set
      // once here, every later connection has it. (synchronous, busy_timeout and foreign_keys
      // are per connection: the engine sets its own.)
      await client.execute("PRAGMA journal_mode = WAL");
      await client.execute("PRAGMA busy_timeout = 5000");
    }
    await client.execute("PRAGMA foreign_keys = ON").catch((error: Error) => {
      // "fetch failed" alone does not say which setting to look at.
      const where = target.url.startsWith("file:") ? target.url : new URL(target.url).host;
      throw new Error(`the database at ${where} (LIBSQL_URL) could not be reached: ${error.message}`, { cause: error });
    });
    await migrate(drizzle(client), { migrationsFolder });
  } finally {
    client.close();
  }
}
