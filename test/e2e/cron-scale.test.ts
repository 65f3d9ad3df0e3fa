// Many every-minute scripts over several tenants, with two hosts ticking on one database: for
// every minute measured, every script has exactly one execution, and it ran. None lost, none
// doubled, whichever host claimed it. Two minutes are measured: the one just passed, which every
// script's pointer is moved back to in one statement (so all of them fall due together, as a tick
// that comes seconds late finds them), and the next real minute boundary, which every script
// reaches through the pointer the hosts moved themselves. Waiting for two real boundaries instead
// cost this file a whole idle minute (about 40 s of waiting is left on average).
import { createClient, type Client } from "@libsql/client";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { System } from "../support/system.ts";

const minute = 60_000;
const tenantCount = 5;
const perTenant = 20;
// Each tenant may run all its scripts at once, and the platform all of them: the slots of a
// minute are not held back by a quota, so every one of them must run.
const env = { TENANT_CONCURRENCY: String(perTenant), GLOBAL_CONCURRENCY: String(tenantCount * perTenant) };

let first: System;
let second: System;
let db: Client;

beforeAll(async () => {
  first = await System.start({ env });
  second = await System.start({ dataDir: first.dataDir, token: first.token, env });
  db = createClient({ url: `file:${join(first.dataDir, "iota.db")}` });
});
afterAll(async () => {
  db?.close();
  await second?.stop();
  await first?.destroy();
});

const floorMinute = (t: number) => t - (t % minute);

async function until(time: number): Promise<void> {
  await new Promise((r) => setTimeout(r, Math.max(0, time - Date.now())));
}

interface Item {
  id: string;
  scriptId: string;
  status: string;
  createdAt: string;
}

/** Every scheduled execution of a tenant created since `since`, through the history API's pages. */
async function scheduledSince(token: string, since: number): Promise<Item[]> {
  const items: Item[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 20; page++) {
    const query = `trigger=scheduled&since=${encodeURIComponent(new Date(since).toISOString())}&limit=200${cursor ? `&cursor=${cursor}` : ""}`;
    const r = await first.api("GET", `/admin/api/executions?${query}`, undefined, { token });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    items.push(...r.body.items);
    cursor = r.body.nextCursor ?? undefined;
    if (!cursor) return items;
  }
  throw new Error("more pages of history than expected");
}

test(`${tenantCount * perTenant} every-minute scripts over ${tenantCount} tenants and two hosts: one execution per script and minute, each ran`, {
  timeout: 260_000,
}, async () => {
  const tenants = await Promise.all(Array.from({ length: tenantCount }, (_, i) => first.tenant(`cron-scale-${i}`)));
  const plan = Array.from({ length: tenantCount * perTenant }, (_, i) => ({ tenant: tenants[i % tenantCount]!, name: `every-minute-${i}` }));
  const ids: string[] = [];
  for (let i = 0; i < plan.length; i += 8) {
    ids.push(
      ...(await Promise.all(
        plan.slice(i, i + 8).map((p, j) =>
          // Half through each host: both hosts' caches learn of scripts the other wrote.
          ((i + j) % 2 ? second : first).script(
            { name: p.name, kind: "scheduled", cron: "* * * * *", code: "export default (input) => input.scheduledFor" },
            p.tenant.token,
          ),
        ),
      )),
    );
  }
  const scriptTenant = new Map(ids.map((id, i) => [id, plan[i]!.tenant]));
  // Every script due at once for the minute just passed. Not within seconds of the next
  // boundary: a tick after it would find two slots due and record the older as missed.
  if (minute - (Date.now() % minute) < 10_000) await until(floorMinute(Date.now()) + minute + 200);
  const slots = [floorMinute(Date.now())];
  slots.push(slots[0]! + minute);
  // A script whose first slot was this minute (created before it) may have run it already: its
  // pointer moved back makes a second claim of that slot, which must not record a second run.
  await db.execute({
    sql: `UPDATE scripts SET next_run_at = ? WHERE id IN (${ids.map(() => "?").join(",")})`,
    args: [new Date(slots[0]!).toISOString(), ...ids],
  });

  // Waits for both minutes' executions to be recorded and finished (bounded), then judges them.
  let items: Item[] = [];
  const settle = async (count: number, deadline: number) => {
    for (;;) {
      items = (await Promise.all(tenants.map((t) => scheduledSince(t.token, slots[0]! - 1000)))).flat();
      const finished = items.filter((e) => e.status !== "running" && e.status !== "queued");
      if ((finished.length >= count && finished.length === items.length) || Date.now() > deadline) return;
      await new Promise((r) => setTimeout(r, 500));
    }
  };
  // The slot each execution was claimed for is in its input (and the script answers it back).
  // What has finished does not change, so the first minute's are read while the second is awaited.
  const details = new Map<string, { input: { scheduledFor: string }; status: string; output: unknown; error?: { code: string; message: string } }>();
  const read = async (which: (e: Item) => boolean) => {
    const unread = items.filter((e) => !details.has(e.id) && which(e));
    for (let i = 0; i < unread.length; i += 16) {
      await Promise.all(
        unread.slice(i, i + 16).map(async (e) => {
          const r = await second.api("GET", `/admin/api/executions/${e.id}`, undefined, { token: scriptTenant.get(e.scriptId)?.token });
          expect(r.status, JSON.stringify(r.body)).toBe(200);
          details.set(e.id, r.body);
        }),
      );
    }
  };
  await settle(ids.length, slots[1]! - 1000);
  await read((e) => e.status !== "running" && e.status !== "queued");
  await until(slots[1]!);
  await settle(ids.length * slots.length, slots[1]! + 60_000);
  await read(() => true);

  const bySlot = new Map<string, { id: string; status: string; error?: { code: string; message: string } }[]>();
  for (const e of items) {
    const d = details.get(e.id)!;
    const key = `${e.scriptId} ${Date.parse(d.input.scheduledFor)}`;
    bySlot.set(key, [...(bySlot.get(key) ?? []), { id: e.id, status: d.status, error: d.error }]);
  }
  const lost: string[] = [];
  const doubled: string[] = [];
  const notRun: string[] = [];
  for (const id of ids) {
    for (const slot of slots) {
      const found = bySlot.get(`${id} ${slot}`) ?? [];
      if (found.length === 0) lost.push(`${id} at ${new Date(slot).toISOString()}`);
      if (found.length > 1) doubled.push(`${id} at ${new Date(slot).toISOString()}: ${found.map((f) => `${f.id}:${f.status}`).join(", ")}`);
      for (const f of found)
        if (f.status !== "succeeded") notRun.push(`${id} at ${new Date(slot).toISOString()}: ${f.id}:${f.status} ${JSON.stringify(f.error ?? null)}`);
    }
  }
  expect(lost, "slots with no execution").toEqual([]);
  expect(doubled, "slots with more than one execution").toEqual([]);
  expect(notRun, "slots that did not run to success").toEqual([]);
  // Nothing else was claimed in those minutes: only these scripts, only these slots.
  const measured = items.filter((e) => slots.includes(Date.parse(details.get(e.id)!.input.scheduledFor)));
  expect(measured).toHaveLength(ids.length * slots.length);
  const outputs = measured.map((e) => Date.parse(String(details.get(e.id)!.output)));
  expect(new Set(outputs)).toEqual(new Set(slots));
  await Promise.all(ids.map((id) => first.api("PATCH", `/admin/api/scripts/${id}`, { enabled: false }, { token: scriptTenant.get(id)!.token })));
});
