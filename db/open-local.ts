// Opens the embedded libSQL file from the host (Node) and brings its schema up to date.
import { createClient, type Client } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { migrate } from "drizzle-orm/libsql/migrator";
import { fileURLToPath } from "node:url";

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
