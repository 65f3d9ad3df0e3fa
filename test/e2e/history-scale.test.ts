// Execution history with thousands of runs over 40 days: every filter of the list, alone and
// combined, paged by its cursor, answers exactly the matching runs, newest first, with no
// duplicate or gap across pages and never another tenant's; a list item carries the error's
// message (cut when long); and the retention sweep deletes the runs past retention, with their
// logs, and nothing else. The runs are written into the database file with the host stopped
// (test/support/history-rows.ts), then the real host answers.
import Database from "libsql";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type HistoryRow, type HistoryTenant, insertHistory } from "../support/history-rows.ts";
import { System } from "../support/system.ts";

const day = 86_400_000;
const now = Date.now();
let system: System;
const rows: HistoryRow[] = [];
const tenants: (HistoryTenant & { token: string })[] = [];

interface Item {
  id: string;
  scriptId: string;
  scriptName: string | null;
  status: string;
  trigger: string;
  createdAt: string;
  errorCode: string | null;
  errorMessage: string | null;
}

beforeAll(async () => {
  system = await System.start();
  const kinds = ["http", "event", "scheduled", "manual"] as const;
  for (const slug of ["hist-a", "hist-b"]) {
    const t = await system.tenant(slug);
    const scripts = [];
    for (const [i, kind] of kinds.entries()) {
      const id = await system.script({ name: `${slug}-${kind}`, code: "export default () => 1" }, t.token);
      scripts.push({ id, tenantId: "", kind, weight: [6, 3, 1, 0.5][i]! });
    }
    tenants.push({ id: "", weight: slug === "hist-a" ? 3 : 1, scripts, token: t.token });
  }
  await system.stop();
  const file = join(system.dataDir, "iota.db");
  const db = new Database(file);
  for (const [i, t] of tenants.entries()) {
    t.id = (db.prepare("SELECT id FROM tenants WHERE slug = ?").get([i === 0 ? "hist-a" : "hist-b"]) as { id: string }).id;
    for (const s of t.scripts) s.tenantId = t.id;
  }
  // No sweep until the test asks for one.
  db.prepare(
    "INSERT INTO maintenance (job, next_at) VALUES ('retention', '9999-12-31T00:00:00.000Z') ON CONFLICT (job) DO UPDATE SET next_at = excluded.next_at",
  ).run([]);
  db.close();
  insertHistory(file, { tenants, rows: 4000, from: now - 40 * day, to: now - 3_600_000, seed: 1313 }, { onRows: (r) => rows.push(...r), chunk: 700 });
  await system.boot();
}, 120_000);
afterAll(async () => {
  await system?.destroy();
});

/** Every page of a listing, following `nextCursor` until it is null. */
async function allPages(token: string, query: Record<string, string>, limit = 37): Promise<{ items: Item[]; pages: number }> {
  const items: Item[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const q: URLSearchParams = new URLSearchParams({ ...query, limit: String(limit), ...(cursor ? { cursor } : {}) });
    const r: { status: number; body: { items: Item[]; nextCursor: string | null } } = await system.api<{ items: Item[]; nextCursor: string | null }>(
      "GET",
      `/admin/api/executions?${q}`,
      undefined,
      { token },
    );
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.items.length).toBeLessThanOrEqual(limit);
    // A page that says more follows is full.
    if (r.body.nextCursor !== null) expect(r.body.items.length).toBe(limit);
    items.push(...r.body.items);
    cursor = r.body.nextCursor;
    pages++;
    expect(pages).toBeLessThan(500);
  } while (cursor);
  return { items, pages };
}

const newestFirst = (a: HistoryRow, b: HistoryRow) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1);

function expected(tenant: HistoryTenant, f: Record<string, string>): HistoryRow[] {
  return rows
    .filter(
      (r) =>
        r.tenantId === tenant.id &&
        (!f.scriptId || r.scriptId === f.scriptId) &&
        (!f.status || r.status === f.status) &&
        (!f.trigger || r.trigger === f.trigger) &&
        (!f.since || r.createdAt >= f.since) &&
        (!f.until || r.createdAt <= f.until),
    )
    .sort(newestFirst);
}

const iso = (daysAgo: number) => new Date(now - daysAgo * day).toISOString();

describe("history at scale", () => {
  test("every filter and combination pages through exactly its runs, newest first, no duplicate, no gap", async () => {
    const [a] = tenants;
    const busy = a!.scripts[0]!.id;
    const scheduled = a!.scripts[2]!.id;
    const combos: Record<string, string>[] = [
      {},
      { scriptId: busy },
      { scriptId: scheduled },
      { status: "failed" },
      { status: "cancelled" },
      { trigger: "manual" },
      { since: iso(12), until: iso(9) },
      { scriptId: busy, status: "failed" },
      { scriptId: busy, trigger: "manual" },
      { status: "failed", trigger: "http" },
      { status: "succeeded", trigger: "event" },
      { scriptId: busy, status: "succeeded", trigger: "http", since: iso(20), until: iso(5) },
      { status: "timed_out", since: iso(35) },
      { trigger: "scheduled", until: iso(30) },
    ];
    for (const f of combos) {
      const want = expected(a!, f);
      const { items, pages } = await allPages(a!.token, f);
      const where = JSON.stringify(f);
      expect(new Set(items.map((i) => i.id)).size, where).toBe(items.length);
      expect(
        items.map((i) => i.id),
        where,
      ).toEqual(want.map((r) => r.id));
      expect(pages, where).toBe(Math.max(1, Math.ceil(want.length / 37)));
      // The rows themselves, not only their ids.
      for (const [k, item] of items.entries()) {
        const r = want[k]!;
        expect(
          { status: item.status, trigger: item.trigger, scriptId: item.scriptId, createdAt: item.createdAt, errorMessage: item.errorMessage },
          where,
        ).toEqual({
          status: r.status,
          trigger: r.trigger,
          scriptId: r.scriptId,
          createdAt: r.createdAt,
          errorMessage: r.errorMessage,
        });
      }
    }
    // The plan gave the combinations something to find.
    expect(expected(a!, { scriptId: busy, status: "failed" }).length).toBeGreaterThan(37);
    expect(expected(a!, { status: "cancelled" }).length).toBeGreaterThan(0);
  });

  test("a cursor and an `until` together keep the stricter bound", async () => {
    const [a] = tenants;
    const recent = await system.api("GET", "/admin/api/executions?limit=5", undefined, { token: a!.token });
    const cursor = recent.body.nextCursor as string;
    // The cursor is recent; `until` is 20 days back: the page starts at `until`.
    const q: URLSearchParams = new URLSearchParams({ until: iso(20), cursor, limit: "10" });
    const r = await system.api("GET", `/admin/api/executions?${q}`, undefined, { token: a!.token });
    expect(r.body.items.map((i: Item) => i.id)).toEqual(
      expected(a!, { until: iso(20) })
        .slice(0, 10)
        .map((x) => x.id),
    );
    const bad = await system.api("GET", "/admin/api/executions?cursor=not-one-of-ours", undefined, { token: a!.token });
    expect(bad.status).toBe(422);
    expect(bad.body.error.field).toBe("cursor");
  });

  test("a tenant never sees another's runs, whatever it filters by", async () => {
    const [a, b] = tenants;
    const { items } = await allPages(b!.token, {}, 200);
    expect(items.map((i) => i.id)).toEqual(expected(b!, {}).map((r) => r.id));
    const foreign = await system.api("GET", `/admin/api/executions?scriptId=${a!.scripts[0]!.id}`, undefined, { token: b!.token });
    expect(foreign.status).toBe(200);
    expect(foreign.body).toEqual({ items: [], nextCursor: null });
    const aRun = expected(a!, {})[0]!;
    expect((await system.api("GET", `/admin/api/executions/${aRun.id}`, undefined, { token: b!.token })).status).toBe(404);
  });

  test("a list item carries the error's message, cut to 300 characters when longer", async () => {
    const c = await system.tenant("hist-c");
    const long = await system.script({ name: "long-error", code: "export default () => { throw new Error('é'.repeat(400)); }" }, c.token);
    const short = await system.script({ name: "short-error", code: "export default () => { throw new Error('ledger unavailable'); }" }, c.token);
    const ok = await system.script({ name: "fine", code: "export default () => 1" }, c.token);
    const runs = [await system.run(long, null, c.token), await system.run(short, null, c.token), await system.run(ok, null, c.token)];
    const details = await Promise.all(runs.map((r) => system.waitForExecution(r.body.id, 20_000, c.token)));
    const list = await system.api("GET", "/admin/api/executions?limit=10", undefined, { token: c.token });
    const byId = new Map<string, Item>(list.body.items.map((i: Item) => [i.id, i]));
    const longItem = byId.get(details[0].id)!;
    expect(details[0].status).toBe("failed");
    const full: string = details[0].error.message;
    expect(full).toContain("é".repeat(400));
    expect(longItem.errorMessage).toBe(`${Array.from(full).slice(0, 299).join("")}…`);
    expect(Array.from(longItem.errorMessage!).length).toBe(300);
    expect(details[0].errorMessage).toBe(longItem.errorMessage);
    expect(details[1].error.message).toContain("ledger unavailable");
    expect(byId.get(details[1].id)!.errorMessage).toBe(details[1].error.message);
    expect(byId.get(details[2].id)!.errorMessage).toBeNull();
    expect(byId.get(details[2].id)!.errorCode).toBeNull();
  });

  test("the retention sweep deletes the runs past retention with their logs, and nothing else", async () => {
    const file = join(system.dataDir, "iota.db");
    const db = new Database(file);
    try {
      db.exec("PRAGMA busy_timeout = 10000");
      const cutoff = new Date(Date.now() - 30 * day).toISOString();
      // Runs within ten minutes of the cutoff may expire while the test runs: either way is right.
      const margin = 10 * 60_000;
      const gone = rows.filter((r) => Date.parse(r.createdAt) < Date.parse(cutoff) - margin);
      const kept = rows.filter((r) => Date.parse(r.createdAt) > Date.parse(cutoff) + margin);
      expect(gone.length).toBeGreaterThan(300);
      const logsOfGone = (
        db.prepare("SELECT count(*) AS n FROM execution_logs WHERE execution_id IN (SELECT id FROM executions WHERE created_at < ?)").get([cutoff]) as {
          n: number;
        }
      ).n;
      expect(logsOfGone).toBeGreaterThan(0);
      db.prepare("UPDATE maintenance SET next_at = ? WHERE job = 'retention'").run([new Date(0).toISOString()]);
      const deadline = Date.now() + 60_000;
      for (;;) {
        const left = await Promise.all(
          tenants.map((t) => system.api("GET", `/admin/api/executions?until=${encodeURIComponent(cutoff)}&limit=1`, undefined, { token: t.token })),
        );
        if (left.every((r) => r.body.items.length === 0)) break;
        expect(Date.now(), "the sweep did not finish in 60 s").toBeLessThan(deadline);
        await new Promise((r) => setTimeout(r, 200));
      }
      for (const t of tenants) {
        const { items } = await allPages(t.token, {}, 200);
        const ids = new Set(items.map((i) => i.id));
        for (const r of kept.filter((x) => x.tenantId === t.id)) expect(ids.has(r.id), `kept ${r.id} ${r.createdAt}`).toBe(true);
        for (const r of gone.filter((x) => x.tenantId === t.id)) expect(ids.has(r.id), `expired ${r.id} ${r.createdAt}`).toBe(false);
      }
      const orphanLogs = (
        db.prepare("SELECT count(*) AS n FROM execution_logs l WHERE NOT EXISTS (SELECT 1 FROM executions e WHERE e.id = l.execution_id)").get([]) as {
          n: number;
        }
      ).n;
      expect(orphanLogs).toBe(0);
    } finally {
      db.close();
    }
  });
});
