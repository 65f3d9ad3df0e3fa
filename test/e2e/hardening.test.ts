// What an external security review asked for: adding members tells a tenant nothing about other
// accounts, spent sign-in state is swept, live execution streams are capped, and time filters
// take ISO 8601 only.
import { createClient, type Client } from "@libsql/client";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { System } from "../support/system.ts";

const password = "correct horse battery";
let system: System;
let db: Client;

beforeAll(async () => {
  system = await System.start({ env: { IOTA_BOOTSTRAP_PASSWORD: password } });
  db = createClient({ url: `file:${join(system.dataDir, "iota.db")}` });
});
afterAll(async () => {
  db?.close();
  await system?.destroy();
});

async function until(check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function signIn(username: string, pass: string) {
  const r = await system.api("POST", "/admin/api/session", { username, password: pass }, { token: null });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  const cookie = r.headers.get("set-cookie")!.split(";")[0]!;
  return { token: null, headers: { cookie, "x-csrf-token": r.body.csrfToken as string } };
}

const count = async (sql: string, args: (string | number)[] = []) => Number((await db.execute({ sql, args })).rows[0]![0]);

describe("adding users", () => {
  test("without a join code, a username that exists is answered exactly like one that does not", async () => {
    const elsewhere = await system.tenant("hana-home");
    expect(
      (await system.api("POST", "/admin/api/users", { username: "hidden-hana", password: "hana's own password", role: "owner" }, { token: elsewhere.token }))
        .status,
    ).toBe(201);
    const acme = await system.tenant("curious-acme");

    const add = (fields: Record<string, unknown>) => system.api("POST", "/admin/api/users", { role: "viewer", ...fields }, { token: acme.token });
    // A member of another tenant, the platform's admin, and nobody at all: one answer.
    const [existing, platformAdmin, nobody] = await Promise.all([
      add({ username: "hidden-hana" }),
      add({ username: "admin" }),
      add({ username: "nobody-at-all" }),
    ]);
    expect(existing.status).toBe(422);
    expect(existing.body).toEqual(nobody.body);
    expect(platformAdmin.body).toEqual(nobody.body);
    expect(existing.body.error.message).toContain("join code");

    // Creating a user under a taken name says only that it is taken, whoever holds it.
    const takenByMember = await add({ username: "hidden-hana", password: "a guess at her name" });
    const takenByAdmin = await add({ username: "admin", password: "a guess at her name" });
    expect(takenByMember.status).toBe(409);
    expect(takenByMember.body).toEqual(takenByAdmin.body);

    // And nobody was pulled in.
    expect((await system.api("GET", "/admin/api/users", undefined, { token: acme.token })).body.items).toEqual([]);
    const hana = await signIn("hidden-hana", "hana's own password");
    expect((await system.api("GET", "/admin/api/me", undefined, hana)).body.tenants.map((t: { slug: string }) => t.slug)).toEqual(["hana-home"]);
  });

  test("someone with an account joins another tenant with a join code they made for it", async () => {
    const home = await system.tenant("jo-home");
    const globex = await system.tenant("jo-globex");
    const other = await system.tenant("jo-other");
    await system.api("POST", "/admin/api/users", { username: "joiner-jo", password: "jo's own password", role: "developer" }, { token: home.token });
    const jo = await signIn("joiner-jo", "jo's own password");

    const made = await system.api("POST", "/admin/api/me/join-code", { tenant: "jo-globex" }, jo);
    expect(made.status, JSON.stringify(made.body)).toBe(200);
    expect(made.body).toMatchObject({ tenant: "jo-globex", joinCode: expect.stringMatching(/^iota_join_/) });
    expect(Date.parse(made.body.expiresAt)).toBeGreaterThan(Date.now());

    // Made for globex: useless to any other tenant, and useless when altered.
    const elsewhere = await system.api("POST", "/admin/api/users", { joinCode: made.body.joinCode, role: "owner" }, { token: other.token });
    expect(elsewhere.status).toBe(422);
    expect(elsewhere.body.error.field).toBe("joinCode");
    const [payload, mac] = (made.body.joinCode as string).split(".");
    const forged = `${payload}.${mac!.startsWith("A") ? "B" : "A"}${mac!.slice(1)}`;
    expect((await system.api("POST", "/admin/api/users", { joinCode: forged, role: "owner" }, { token: globex.token })).status).toBe(422);

    const added = await system.api("POST", "/admin/api/users", { joinCode: made.body.joinCode, role: "viewer" }, { token: globex.token });
    expect(added.status, JSON.stringify(added.body)).toBe(201);
    expect(added.body).toMatchObject({ username: "joiner-jo", role: "viewer" });
    const tenants = (await system.api("GET", "/admin/api/me", undefined, jo)).body.tenants.map((t: { slug: string; role: string }) => [t.slug, t.role]);
    expect(tenants).toEqual([
      ["jo-home", "developer"],
      ["jo-globex", "viewer"],
    ]);

    // An API token is a tenant's, not a person's: it has no account to bring anywhere.
    expect((await system.api("POST", "/admin/api/me/join-code", { tenant: "jo-globex" }, { token: home.token })).status).toBe(400);
  });

  test("a tenant that keeps running into taken usernames is slowed down", async () => {
    const prober = await system.tenant("name-prober");
    const taken = [];
    for (let i = 0; i < 10; i++)
      taken.push(await system.api("POST", "/admin/api/users", { username: "admin", password: `guess number ${i}`, role: "viewer" }, { token: prober.token }));
    expect(taken.map((r) => r.status)).toEqual(Array(10).fill(409));
    const slowed = await system.api(
      "POST",
      "/admin/api/users",
      { username: "someone-new", password: "a fine password", role: "viewer" },
      { token: prober.token },
    );
    expect(slowed.status).toBe(429);
    expect(slowed.body.error.code).toBe("RATE_LIMITED");
    expect(Number(slowed.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  test("a sign-in takes as long for a username that does not exist as for one that does", async () => {
    const known = ["timed-tim", "timed-tom", "timed-tam"];
    for (const username of known) await system.api("POST", "/admin/api/users", { username, password: `${username}'s own password`, role: "viewer" });
    const timed = async (username: string) => {
      const started = performance.now();
      const r = await system.api("POST", "/admin/api/session", { username, password: "not the password" }, { token: null });
      expect(r.status).toBe(401);
      return performance.now() - started;
    };
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const existing: number[] = [];
    const missing: number[] = [];
    // Four tries per username (a fifth would lock it), taking turns so both see the same load.
    for (let i = 0; i < 4; i++) {
      for (const username of known) {
        existing.push(await timed(username));
        missing.push(await timed(`nobody-${i}-${username}`));
      }
    }
    // Checking a password is most of the work: skipping it for unknown names took a third of
    // the time; with the decoy check both take about the same.
    expect(median(missing)).toBeGreaterThan(median(existing) * 0.6);
  });
});

describe("retention of sign-in state", () => {
  test("expired sessions and spent sign-in failures are deleted in batches; live ones stay", async () => {
    const live = await signIn("admin", password);
    const ids = (await db.execute("SELECT u.id, t.id FROM users u, tenants t WHERE u.username = 'admin' AND t.slug = 'default'")).rows[0]!;
    const [adminId, tenantId] = [String(ids[0]), String(ids[1])];
    const past = (ms: number) => new Date(Date.now() - ms).toISOString();
    const future = new Date(Date.now() + 3_600_000).toISOString();
    // More than two batches of each: rows as the product writes them, aged past their use.
    const rows = 1_200;
    const statements = [];
    for (let i = 0; i < rows; i++) {
      statements.push({
        sql: "INSERT INTO sessions (id_hash, user_id, tenant_id, csrf_token, expires_at) VALUES (?, ?, ?, 'x', ?)",
        args: [`old-${i}`, adminId, tenantId, past(60_000 + i)],
      });
      statements.push({
        sql: "INSERT INTO sign_in_failures (key, failures, window_start, locked_until) VALUES (?, 3, ?, NULL)",
        args: [`user:old-${i}`, past(20 * 60_000)],
      });
    }
    // Still counting: a recent window, and an old window whose lock has not run out.
    statements.push({
      sql: "INSERT INTO sign_in_failures (key, failures, window_start, locked_until) VALUES ('user:recent', 2, ?, NULL)",
      args: [past(60_000)],
    });
    statements.push({
      sql: "INSERT INTO sign_in_failures (key, failures, window_start, locked_until) VALUES ('user:still-locked', 5, ?, ?)",
      args: [past(20 * 60_000), future],
    });
    await db.batch(statements, "write");

    const seen = new Set<number>();
    await db.execute({ sql: "UPDATE maintenance SET next_at = ? WHERE job = 'retention'", args: [new Date(0).toISOString()] });
    await until(async () => {
      const left = await count("SELECT count(*) FROM sessions WHERE id_hash LIKE 'old-%'");
      seen.add(left);
      return left === 0 && (await count("SELECT count(*) FROM sign_in_failures WHERE key LIKE 'user:old-%'")) === 0;
    });
    // Not all at once: the sweep went batch by batch, a tick apart.
    expect([...seen].some((n) => n > 0 && n < rows)).toBe(true);
    expect(await count("SELECT count(*) FROM sign_in_failures WHERE key IN ('user:recent', 'user:still-locked')")).toBe(2);
    expect((await system.api("GET", "/admin/api/me", undefined, live)).status).toBe(200);
  });
});

/** A run that sleeps `ms`: streams of it stay open that long, and end with it. */
const sleeper = (ms: number) => `export default async () => { await new Promise((r) => setTimeout(r, ${ms})); return "awake"; }`;

async function startSleeping(token: string, ms = 8_000): Promise<string> {
  const id = await system.script({ name: `sleeper-${Math.random().toString(36).slice(2, 8)}`, code: sleeper(ms), timeoutMs: ms + 30_000 }, token);
  const started = await system.api("POST", `/admin/api/scripts/${id}/runs`, { mode: "async" }, { token });
  expect(started.status).toBe(202);
  await until(async () => (await system.api("GET", `/admin/api/executions/${started.body.id}`, undefined, { token })).body.status === "running");
  return started.body.id;
}

function openStream(executionId: string, token: string) {
  const controller = new AbortController();
  const response = fetch(`${system.baseUrl}/admin/api/executions/${executionId}/stream`, {
    headers: { authorization: `Bearer ${token}` },
    signal: controller.signal,
  });
  return { response, close: () => controller.abort() };
}

/** Opens a stream, trying again while slots given back a moment ago are still being noticed. */
async function openWhenFree(executionId: string, token: string) {
  let stream: ReturnType<typeof openStream> | undefined;
  await until(async () => {
    stream = openStream(executionId, token);
    const r = await stream.response;
    if (r.status === 200) return true;
    await r.text();
    return false;
  }, 5_000);
  return stream!;
}

describe("live execution streams", () => {
  test("a tenant has at most 10 open; the 11th is a 429 naming the limit, and closing one frees its slot", async () => {
    const busy = await system.tenant("stream-busy");
    const id = await startSleeping(busy.token);
    const streams = Array.from({ length: 10 }, () => openStream(id, busy.token));
    try {
      for (const s of streams) expect((await s.response).status).toBe(200);
      const refused = await system.api("GET", `/admin/api/executions/${id}/stream`, undefined, { token: busy.token });
      expect(refused.status).toBe(429);
      expect(refused.body.error).toMatchObject({ code: "RATE_LIMITED", details: { limit: 10, scope: "tenant" } });
      expect(refused.body.error.message).toContain("10 live execution streams");
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);

      // Another tenant is not affected.
      const calm = await system.tenant("stream-calm");
      const calmStream = openStream(await startSleeping(calm.token), calm.token);
      expect((await calmStream.response).status).toBe(200);
      calmStream.close();

      // A client that goes away gives its slot back.
      streams.pop()!.close();
      streams.push(await openWhenFree(id, busy.token));

      // Streams that end with their execution give theirs back too.
      await Promise.all(streams.map(async (s) => (await s.response).text()));
      const next = await startSleeping(busy.token);
      const fresh = Array.from({ length: 10 }, () => openStream(next, busy.token));
      expect((await Promise.all(fresh.map((s) => s.response))).map((r) => r.status)).toEqual(Array(10).fill(200));
      for (const s of fresh) s.close();
    } finally {
      for (const s of streams) s.close();
    }
  }, 60_000);
});

describe("live execution streams, all tenants together", () => {
  test("the server serves at most 100 at once, whichever tenants they are for", async () => {
    const tenants = await Promise.all(Array.from({ length: 11 }, (_, i) => system.tenant(`crowd-${i}`)));
    // Long enough to outlast opening a hundred streams one by one on a loaded machine: a stream of
    // a run that ended gives its slot back, which would let the 101st in. (The file's host stops them.)
    const ids = await Promise.all(tenants.map((t) => startSleeping(t.token, 100_000)));
    const streams: ReturnType<typeof openStream>[] = [];
    try {
      // Each tenant's ten together: one by one, a hundred opens on a loaded machine took most of the test's time.
      for (const [i, t] of tenants.slice(0, 10).entries())
        streams.push(...(await Promise.all(Array.from({ length: 10 }, () => openWhenFree(ids[i]!, t.token)))));
      const refused = await system.api("GET", `/admin/api/executions/${ids[10]}/stream`, undefined, { token: tenants[10]!.token });
      expect(refused.status).toBe(429);
      expect(refused.body.error).toMatchObject({ code: "RATE_LIMITED", details: { limit: 100, scope: "server" } });
      expect(refused.body.error.message).toContain("100 live execution streams");
    } finally {
      for (const s of streams) s.close();
    }
  }, 90_000);
});

describe("time filters", () => {
  test("since and until take ISO 8601 dates and times only", async () => {
    for (const bad of ["1", "March 5", "2026", "2026-02-30", "2026-03-05T12:00", "Thu, 05 Mar 2026 12:00:00 GMT", "2026-03-05 12:00:00Z"]) {
      const r = await system.api("GET", `/admin/api/executions?since=${encodeURIComponent(bad)}`);
      expect(r.status, bad).toBe(422);
      expect(r.body.error.field).toBe("since");
      expect((await system.api("GET", `/admin/api/executions?until=${encodeURIComponent(bad)}`)).body.error?.field, bad).toBe("until");
    }
    const id = await system.script({ name: "dated", code: "export default () => 1" });
    const run = await system.run(id, null);
    const at = Date.parse(run.body.createdAt);
    const inWindow = async (query: string) =>
      (await system.api("GET", `/admin/api/executions?scriptId=${id}&${query}`)).body.items.map((e: { id: string }) => e.id);
    const day = new Date(at).toISOString().slice(0, 10);
    expect(await inWindow(`since=${day}`)).toEqual([run.body.id]);
    expect(await inWindow(`since=${encodeURIComponent(new Date(at + 60_000).toISOString())}`)).toEqual([]);
    // The same instant an hour ahead of UTC.
    const plusOne = new Date(at + 3_600_000 - 1_000).toISOString().replace(/\.\d+Z$/, "+01:00");
    expect(await inWindow(`until=${encodeURIComponent(plusOne)}`)).toEqual([]);
    expect(await inWindow(`until=${encodeURIComponent(new Date(at + 3_600_000 + 1_000).toISOString().replace(/\.\d+Z$/, "+01:00"))}`)).toEqual([run.body.id]);
  });
});
