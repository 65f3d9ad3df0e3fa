// Two hosts, each with its own data directory, on one real libSQL server (sqld) over HTTP with a
// JWT (LIBSQL_URL + LIBSQL_AUTH_TOKEN): the dispatchers open the server themselves. What one host
// stores the other serves; schedule slots, event deliveries and the tenant's quota are decided in
// the shared database, so they hold between hosts; a host killed mid-run closes only its own run.
import { createClient, type Client } from "@libsql/client";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { migrateDatabase } from "../../db/migrate.ts";
import { startGates, waitFor } from "../support/gates.ts";
import { startRecordingServer } from "../support/recording-server.ts";
import { startSqld, type Sqld } from "../support/sqld.ts";
import { System } from "../support/system.ts";
import { savedOnOneRunsOnTheOther } from "../support/two-hosts.ts";

let sqld: Sqld;
let db: Client;
let a: System;
let b: System;
let gates: Awaited<ReturnType<typeof startGates>>;
let calls: Awaited<ReturnType<typeof startRecordingServer>>;
let finishCrashRuns = false;

beforeAll(async () => {
  [sqld, gates, calls] = await Promise.all([
    startSqld({ auth: true }),
    startGates(),
    startRecordingServer((r) => ({ body: { finish: r.url.startsWith("/crash/") && finishCrashRuns } })),
  ]);
  db = createClient({ url: sqld.url, authToken: sqld.authToken });
  const env = {
    LIBSQL_URL: sqld.url,
    LIBSQL_AUTH_TOKEN: sqld.authToken!,
    // Hosts on one database must seal tenants' secrets with one key.
    IOTA_SECRETS_KEY: randomBytes(32).toString("base64"),
    IOTA_EGRESS_ALLOW: `127.0.0.1:${gates.port},127.0.0.1:${calls.port}`,
  };
  // Both at once, on an empty server: each migrates it and bootstraps it, and one of each wins.
  const token = `iota_test${randomBytes(12).toString("hex")}`;
  [a, b] = await Promise.all([System.start({ env, token }), System.start({ env, token })]);
}, 180_000);
afterAll(async () => {
  await Promise.all([a?.destroy(), b?.destroy()]);
  db?.close();
  await Promise.all([sqld?.stop(), gates?.close(), calls?.close()]);
});

describe("two hosts on one libSQL server", () => {
  test("started together on an empty server, they migrated it once and made one platform", async () => {
    const applied = await db.execute("SELECT hash, count(*) AS n FROM __drizzle_migrations GROUP BY hash HAVING n > 1");
    expect(applied.rows).toEqual([]);
    const admins = await db.execute("SELECT count(*) AS n FROM tenants WHERE slug = 'default'");
    expect(admins.rows[0]!.n).toBe(1);
    // And a third migration finds nothing to do.
    await migrateDatabase({ url: sqld.url, authToken: sqld.authToken });
    expect((await db.execute("SELECT count(*) AS n FROM __drizzle_migrations")).rows[0]!.n).toBe(
      (await db.execute("SELECT count(DISTINCT hash) AS n FROM __drizzle_migrations")).rows[0]!.n,
    );
  });

  test("migrations started at the same moment against an empty server apply once, and none fails", async () => {
    const empty = await startSqld();
    try {
      const target = { url: empty.url };
      await Promise.all(Array.from({ length: 4 }, () => migrateDatabase(target)));
      const fresh = createClient(target);
      const rows = (await fresh.execute("SELECT created_at, count(*) AS n FROM __drizzle_migrations GROUP BY created_at")).rows;
      const tables = (await fresh.execute("SELECT count(*) AS n FROM sqlite_master WHERE name = 'executions'")).rows;
      fresh.close();
      expect(rows.length).toBeGreaterThan(10);
      expect(rows.filter((r) => r.n !== 1)).toEqual([]);
      expect(tables[0]!.n).toBe(1);
    } finally {
      await empty.stop();
    }
  });

  test("a script saved through one host runs through the other, with its secret", () => savedOnOneRunsOnTheOther(a, b, "shared"));

  test("a token the server refuses stops the migration a host starts with, naming LIBSQL_AUTH_TOKEN", async () => {
    await expect(migrateDatabase({ url: sqld.url, authToken: sqld.foreignToken })).rejects.toThrow(
      `the database at ${new URL(sqld.url).host} refused LIBSQL_AUTH_TOKEN`,
    );
    await expect(migrateDatabase({ url: sqld.url })).rejects.toThrow("refused LIBSQL_AUTH_TOKEN");
  });

  test("each schedule slot runs once between the two hosts, each missed one is recorded once", async () => {
    const minute = 60_000;
    // Not within seconds of a minute boundary: a slot passing mid-test would be one more.
    if (minute - (Date.now() % minute) < 8000) await new Promise((r) => setTimeout(r, minute - (Date.now() % minute) + 200));
    const tenant = await a.tenant("cron");
    const ids: string[] = [];
    for (let i = 0; i < 6; i++)
      ids.push(
        await (i % 2 ? b : a).script(
          {
            name: `every-minute-${i}`,
            kind: "scheduled",
            cron: "* * * * *",
            code: `export default async (i) => { await fetch("http://127.0.0.1:${calls.port}/cron/${i}/" + i.scheduledFor); return i.scheduledFor; }`,
          },
          tenant.token,
        ),
      );
    // Two minutes of downtime, as a platform that was not running leaves it: both hosts' ticks
    // find every script due at once.
    const from = new Date(Date.now() - (Date.now() % minute) - 2 * minute).toISOString();
    await db.execute({ sql: `UPDATE scripts SET next_run_at = ? WHERE id IN (${ids.map(() => "?").join(",")})`, args: [from, ...ids] });
    for (const id of ids) {
      const slots = await waitFor(
        async () => (await a.api("GET", `/admin/api/executions?scriptId=${id}`, undefined, { token: tenant.token })).body.items as { status: string }[],
        (items) => items.filter((e) => e.status === "missed").length === 2 && items.some((e) => e.status === "succeeded"),
      );
      expect(slots.map((e) => e.status).sort()).toEqual(["missed", "missed", "succeeded"]);
    }
    // Both hosts tick every second: two more ticks each would have found anything left to fire.
    await new Promise((r) => setTimeout(r, 2500));
    for (const [i, id] of ids.entries()) {
      const items = (await b.api("GET", `/admin/api/executions?scriptId=${id}`, undefined, { token: tenant.token })).body.items;
      expect(items, `script ${i}`).toHaveLength(3);
      expect(
        calls.requests.filter((r) => r.url.startsWith(`/cron/${i}/`)),
        `script ${i}`,
      ).toHaveLength(1);
    }
  });

  test("each event published through either host is delivered once", async () => {
    const tenant = await a.tenant("events");
    // Deliveries wait for room, so both hosts' ticks drain the same queue.
    await a.api("PATCH", "/admin/api/tenants/events", { maxConcurrency: 2 });
    const id = await a.script(
      {
        name: "on-order",
        kind: "event",
        events: ["order.placed"],
        code: `export default async (e) => { await fetch("http://127.0.0.1:${calls.port}/event/" + e.id); await new Promise((r) => setTimeout(r, 100)); return e.id; }`,
      },
      tenant.token,
    );
    const total = 16;
    for (let n = 0; n < total; n++) {
      const r = await (n % 2 ? b : a).api("POST", "/api/events", { id: `order-${n}`, type: "order.placed", payload: { n } }, { token: tenant.token });
      expect(r.status).toBe(202);
    }
    const done = await waitFor(
      async () => (await b.api("GET", `/admin/api/executions?scriptId=${id}&limit=100`, undefined, { token: tenant.token })).body.items as { status: string }[],
      (items) => items.length >= total && items.every((e) => e.status === "succeeded"),
      40_000,
    );
    expect(done).toHaveLength(total);
    const delivered = calls.requests.filter((r) => r.url.startsWith("/event/")).map((r) => r.url);
    expect(delivered.sort()).toEqual(Array.from({ length: total }, (_, n) => `/event/order-${n}`).sort());
  });

  test("a tenant's concurrency limit holds across the two hosts", async () => {
    const tenant = await a.tenant("quota");
    await a.api("PATCH", "/admin/api/tenants/quota", { maxConcurrency: 2 });
    const id = await a.script({ name: "held", code: `export default async () => (await fetch("${gates.url("quota")}")).text()` }, tenant.token);
    const first = await a.api("POST", `/admin/api/scripts/${id}/runs`, { mode: "async" }, { token: tenant.token });
    const second = await b.api("POST", `/admin/api/scripts/${id}/runs`, { mode: "async" }, { token: tenant.token });
    expect([first.body.status, second.body.status]).toEqual(["running", "running"]);
    await waitFor(
      async () => gates.waiting("quota"),
      (n) => n === 2,
    );
    // One run held on each host: the limit of two is full for both.
    const refused = await a.api("POST", `/admin/api/scripts/${id}/runs`, { input: null }, { token: tenant.token });
    expect(refused.status).toBe(429);
    const third = await b.api("POST", `/admin/api/scripts/${id}/runs`, { mode: "async" }, { token: tenant.token });
    expect(third.body.status).toBe("queued");
    expect((await b.api("GET", "/admin/api/usage", undefined, { token: tenant.token })).body).toMatchObject({ running: 2, queued: 1, limit: 2 });
    gates.open("quota");
    for (const run of [first, second, third])
      expect(await a.waitForExecution(run.body.id, 20_000, tenant.token)).toMatchObject({ status: "succeeded", output: "open" });
  });

  test("a host killed mid-run closes its own run as interrupted when it comes back; the other host's run goes on", async () => {
    const tenant = await a.tenant("crash");
    // Each run asks every second whether to finish: a host restart may outlast the longest single
    // request a script may make, so none is held open across it (and 50 asks, a run's most, last
    // longer than a restart on a busy machine).
    const id = await a.script(
      {
        name: "long",
        timeoutMs: 90_000,
        code: `export default async (who) => {
          for (;;) {
            const { finish } = await (await fetch("http://127.0.0.1:${calls.port}/crash/" + who)).json();
            if (finish) return who;
            await new Promise((r) => setTimeout(r, 1000));
          }
        }`,
      },
      tenant.token,
    );
    const onA = await a.api("POST", `/admin/api/scripts/${id}/runs`, { input: "a", mode: "async" }, { token: tenant.token });
    const onB = await b.api("POST", `/admin/api/scripts/${id}/runs`, { input: "b", mode: "async" }, { token: tenant.token });
    const asked = (who: string) => calls.requests.filter((r) => r.url === `/crash/${who}`).length;
    await waitFor(
      async () => [asked("a"), asked("b")],
      ([x, y]) => x! > 0 && y! > 0,
    );
    await a.crash();
    await a.boot();
    expect((await b.api("GET", `/admin/api/executions/${onA.body.id}`, undefined, { token: tenant.token })).body).toMatchObject({
      status: "interrupted",
      error: { code: "HOST_RESTARTED" },
    });
    const stillAsking = asked("b");
    const bRun = (await a.api("GET", `/admin/api/executions/${onB.body.id}`, undefined, { token: tenant.token })).body;
    expect(bRun.status, bRun.errorMessage).toBe("running");
    await waitFor(
      async () => asked("b"),
      (n) => n > stillAsking,
    );
    finishCrashRuns = true;
    expect(await b.waitForExecution(onB.body.id, 20_000, tenant.token)).toMatchObject({ status: "succeeded", output: "b" });
  }, 90_000);
});
