// The shared suite against the Cloudflare build (`npm run start:cloudflare`) on D1, the second
// database driver (db/open-d1.ts), which Miniflare runs on real SQLite: with the local build's
// run on libSQL, the suite covers each driver of the one drizzle schema. The Cloudflare build on
// libSQL over HTTP (Turso's way) is what test/cloudflare/* start; one Cloudflare start per file.
import { createClient } from "@libsql/client";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { sharedSuite } from "./suite.ts";

const world = sharedSuite("cloudflare");

/** The D1 database wrangler dev keeps under DATA_DIR (Miniflare's SQLite file), read beside it. */
function d1File(dataDir: string): string {
  const dir = join(dataDir, "cloudflare", "v3", "d1", "miniflare-D1DatabaseObject");
  const file = readdirSync(dir).find((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
  if (!file) throw new Error(`no D1 database in ${dir}`);
  return join(dir, file);
}

test("what the suite made is stored in D1", async () => {
  const client = createClient({ url: `file:${d1File(world().system.dataDir)}` });
  try {
    const rows = await client.execute("SELECT slug FROM tenants ORDER BY slug");
    expect(rows.rows.map((r) => r.slug)).toEqual(["acme", "default", "globex"]);
  } finally {
    client.close();
  }
});
