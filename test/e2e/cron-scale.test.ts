// Many every-minute scripts over several tenants, with two hosts ticking on one database: for
// every minute measured, every script has exactly one execution, and it ran. None lost, none
// doubled, whichever host claimed it. This file waits for two real minute boundaries (two to
// three minutes), in parallel with the others.
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

beforeAll(async () => {
  first = await System.start({ env });
  second = await System.start({ dataDir: first.dataDir, token: first.token, env });
});
afterAll(async () => {
  await second?.stop();
  await first?.destroy();
});

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
  // Two minutes, both after every script existed.
  const slots = [Math.ceil((Date.now() + 2000) / minute) * minute];
  slots.push(slots[0]! + minute);
  await until(slots[1]!);

  // Wait for both minutes' executions to be recorded and finished (bounded), then judge them.
  let items: Item[] = [];
  const settled = () => {
    const finished = items.filter((e) => e.status !== "running" && e.status !== "queued");
    return finished.length >= ids.length * slots.length && finished.length === items.length;
  };
  for (const deadline = slots[1]! + 60_000; ; ) {
    items = (await Promise.all(tenants.map((t) => scheduledSince(t.token, slots[0]! - 1000)))).flat();
    if (settled() || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 500));
  }

  // The slot each execution was claimed for is in its input (and the script answers it back).
  const details = new Map<string, { input: { scheduledFor: string }; status: string; output: unknown }>();
  for (let i = 0; i < items.length; i += 16) {
    await Promise.all(
      items.slice(i, i + 16).map(async (e) => {
        const r = await second.api("GET", `/admin/api/executions/${e.id}`, undefined, { token: scriptTenant.get(e.scriptId)?.token });
        expect(r.status, JSON.stringify(r.body)).toBe(200);
        details.set(e.id, r.body);
      }),
    );
  }
  const bySlot = new Map<string, string[]>();
  for (const e of items) {
    const d = details.get(e.id)!;
    const key = `${e.scriptId} ${Date.parse(d.input.scheduledFor)}`;
    bySlot.set(key, [...(bySlot.get(key) ?? []), `${e.id}:${d.status}`]);
  }
  const lost: string[] = [];
  const doubled: string[] = [];
  const notRun: string[] = [];
  for (const id of ids) {
    for (const slot of slots) {
      const found = bySlot.get(`${id} ${slot}`) ?? [];
      if (found.length === 0) lost.push(`${id} at ${new Date(slot).toISOString()}`);
      if (found.length > 1) doubled.push(`${id} at ${new Date(slot).toISOString()}: ${found.join(", ")}`);
      for (const f of found) if (!f.endsWith(":succeeded")) notRun.push(`${id} at ${new Date(slot).toISOString()}: ${f}`);
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
