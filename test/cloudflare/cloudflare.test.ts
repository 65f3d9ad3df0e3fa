// The Cloudflare build end to end (`npm run start:cloudflare`) as deployed on Turso: wrangler dev
// without D1, on a real libSQL server (sqld with JWT auth) named by LIBSQL_URL, so the
// dispatcher's libSQL-over-HTTP driver (db/libsql-server.ts) serves every group here. The Worker
// Loader runs each script with the dispatcher's own SDK, egress and log capabilities. Started
// once for every group: the SDK, events, egress that goes through and live logs from the
// isolate's tail (features.ts), streamed answers (streaming.ts), alerts sent by the tick
// (alerts.ts). What both builds must answer identically (bad input, roles, cross-tenant 404s,
// SSRF refusals, HTTP endpoints, history records) is test/shared/, run against each build's
// database driver: the local build's libSQL and the Cloudflare build's D1.
import { createClient } from "@libsql/client";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type Sqld, startSqld } from "../support/sqld.ts";
import { System } from "../support/system.ts";
import { alerts } from "./alerts.ts";
import { features } from "./features.ts";
import type { Part } from "./part.ts";
import { streaming } from "./streaming.ts";

const parts: Part[] = [features, streaming, alerts];
let sqld: Sqld | undefined;
let system: System | undefined;

beforeAll(async () => {
  const [server, allowed] = await Promise.all([startSqld({ auth: true }), Promise.all(parts.map((part) => part.prepare()))]);
  sqld = server;
  const database = { url: sqld.url, authToken: sqld.authToken! };
  system = await System.start({
    build: "cloudflare",
    env: { LIBSQL_URL: database.url, LIBSQL_AUTH_TOKEN: database.authToken, IOTA_EGRESS_ALLOW: allowed.flat().join(",") },
  });
  for (const part of parts) await part.attach(system, database);
}, 300_000);
afterAll(async () => {
  await system?.destroy();
  await Promise.all(parts.map((part) => part.close()));
  await sqld?.stop();
});

for (const part of parts) part.tests();

test("what the groups made is stored in the libSQL server, which the build says it serves", async () => {
  const client = createClient({ url: sqld!.url, authToken: sqld!.authToken });
  try {
    const rows = await client.execute("SELECT slug FROM tenants WHERE slug IN ('acme', 'globex', 'streamer') ORDER BY slug");
    expect(rows.rows.map((r) => r.slug)).toEqual(["acme", "globex", "streamer"]);
  } finally {
    client.close();
  }
  expect(system!.output).toMatch(/"event":"host.ready".*"database":"libsql"/);
});
