// The shared suite against the Cloudflare build (`npm run start:cloudflare`) on a real libSQL
// server (sqld, with JWT auth) named by LIBSQL_URL and LIBSQL_AUTH_TOKEN, as a deployment on
// Turso runs: wrangler dev without D1, so the dispatcher's libSQL-over-HTTP driver
// (db/libsql-server.ts) serves every check here, as it does under the local build when hosts
// share a server. The D1 driver stays covered by test/cloudflare/*, which start the build on D1;
// one Cloudflare start per file, since each costs 60-200 s.
import { createClient } from "@libsql/client";
import { expect, test } from "vitest";
import { type Sqld, startSqld } from "../support/sqld.ts";
import { sharedSuite } from "./suite.ts";

let sqld: Sqld | undefined;

sharedSuite("cloudflare", async () => {
  sqld = await startSqld({ auth: true });
  return { env: { LIBSQL_URL: sqld.url, LIBSQL_AUTH_TOKEN: sqld.authToken! }, stop: sqld.stop };
});

test("what the suite made is stored in the libSQL server, not in a D1 beside it", async () => {
  const client = createClient({ url: sqld!.url, authToken: sqld!.authToken });
  try {
    const rows = await client.execute("SELECT slug FROM tenants ORDER BY slug");
    expect(rows.rows.map((r) => r.slug)).toEqual(["acme", "default", "globex"]);
  } finally {
    client.close();
  }
});
