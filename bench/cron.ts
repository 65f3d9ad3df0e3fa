// `npm run bench:cron`: cron at scale. Creates BENCH_CRON_SCRIPTS every-minute scheduled scripts
// (default 1,000) spread over BENCH_CRON_TENANTS tenants (default 20), waits for
// BENCH_CRON_MINUTES real minute boundaries (default 3), then reads every scheduled execution
// from the database file and prints, for the measured minutes:
// - start delay: the run's startedAt (as the runner recorded it) minus its slot's minute,
//   p50/p95/p99/max, in all and per minute; and the claim delay (the row's createdAt minus the
//   minute: when the tick recorded the slot);
// - slots lost (a script with no execution for a measured minute, or one that did not succeed)
//   and doubled (more than one execution for a script and minute);
// - CPU per slot, by process, read from /proc over the measured minutes.
// Per-tenant concurrency is set to the scripts per tenant and the global cap to the scripts in
// all, so every slot of a minute may run at once: what is measured is the scheduler, not a
// quota. Every tenant's runner process is warmed by one run per script before the first
// measured minute (the steady state of scripts that run every minute; a first start is the
// cold-start figure of `npm run bench`); those manual runs are the baseline CPU per run.
// BENCH_CRON_HISTORY_DAYS (default 0) first stores that many days of finished every-minute
// executions per script, as a platform that has run them for a while holds (30 days are kept by
// default); BENCH_CRON_OPEN_INDEX=1 adds, to this run's database only, the partial index on
// open executions that a slot's overlap check needs to stay cheap as history grows.
import { createClient } from "@libsql/client";
import { join } from "node:path";
import { System } from "../test/support/system.ts";
import { descendantsCpuMs } from "./cpu.ts";
import { percentile, printTable, round, writeResults } from "./stats.ts";

const minute = 60_000;

function setting(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  const n = raw === undefined || raw === "" ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be a whole number from ${min} to ${max} (got ${raw})`);
  return n;
}

const scriptCount = setting("BENCH_CRON_SCRIPTS", 1000, 1, 20_000);
const tenantCount = setting("BENCH_CRON_TENANTS", Math.min(20, scriptCount), 1, Math.min(scriptCount, 30));
const minutes = setting("BENCH_CRON_MINUTES", 3, 1, 10);
const historyDays = setting("BENCH_CRON_HISTORY_DAYS", 0, 0, 30);
const openIndex = setting("BENCH_CRON_OPEN_INDEX", 0, 0, 1) === 1;
const perTenant = Math.ceil(scriptCount / tenantCount);
/** Requests in flight while creating scripts and warming runners. */
const parallel = 8;

async function inParallel<T>(items: T[], width: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      for (let i = next++; i < items.length; i = next++) await work(items[i]!, i);
    }),
  );
}

const sleepUntil = (time: number) => new Promise((r) => setTimeout(r, Math.max(0, time - Date.now())));

interface Row {
  scriptId: string;
  slot: string;
  status: string;
  createdAt: string;
  startedAt: string | null;
}

function summary(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50Ms: round(percentile(sorted, 0.5)),
    p95Ms: round(percentile(sorted, 0.95)),
    p99Ms: round(percentile(sorted, 0.99)),
    maxMs: round(sorted.at(-1) ?? NaN),
  };
}

/** CPU microseconds per unit between two readings, by process role and in all. */
function cpuPerSlot(before: Record<string, number>, after: Record<string, number>, units: number): Record<string, number> {
  const out: Record<string, number> = {};
  let total = 0;
  for (const [role, ms] of Object.entries(after)) {
    const used = ms - (before[role] ?? 0);
    if (used <= 0) continue;
    out[role] = Math.round((used * 1000) / units);
    total += used;
  }
  out.total = Math.round((total * 1000) / units);
  return out;
}

const split = (cpu: Record<string, number>) =>
  `${cpu.total} us (${Object.entries(cpu)
    .filter(([k]) => k !== "total")
    .map(([k, v]) => `${k} ${v}`)
    .join(", ")})`;

/**
 * Stores `days` of finished every-minute executions per script, written straight into the
 * database file (the host's busy timeout rides out these transactions), ending a minute ago.
 */
async function prepareHistory(dataDir: string, scriptIds: string[], days: number, index: boolean): Promise<void> {
  const t0 = performance.now();
  const db = createClient({ url: `file:${join(dataDir, "iota.db")}` });
  try {
    await db.execute("PRAGMA busy_timeout = 30000");
    const owners = await db.execute("SELECT id, tenant_id FROM scripts WHERE kind = 'scheduled'");
    const tenantOf = new Map(owners.rows.map((r) => [String(r.id), String(r.tenant_id)]));
    const end = Math.floor(Date.now() / minute) * minute - minute;
    const perScript = days * 24 * 60;
    for (const id of scriptIds) {
      // One statement per script: its minutes from a recursive counter, in one transaction.
      await db.execute({
        sql: `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?3)
          INSERT INTO executions (id, tenant_id, script_id, version, trigger, status, input, input_bytes, attempt, created_at, started_at, finished_at, duration_ms, scheduled_for)
          SELECT 'exe_hist_' || ?1 || '_' || i, ?2, ?1, 1, 'scheduled', 'succeeded', '{}', 2, 1,
            strftime('%Y-%m-%dT%H:%M:%fZ', (?4 - i * 60000) / 1000.0, 'unixepoch'),
            strftime('%Y-%m-%dT%H:%M:%fZ', (?4 - i * 60000) / 1000.0, 'unixepoch'),
            strftime('%Y-%m-%dT%H:%M:%fZ', (?4 - i * 60000 + 5) / 1000.0, 'unixepoch'), 5,
            strftime('%Y-%m-%dT%H:%M:%fZ', (?4 - i * 60000) / 1000.0, 'unixepoch')
          FROM n`,
        args: [id, tenantOf.get(id)!, perScript, end],
      });
    }
    if (index)
      await db.execute("CREATE INDEX IF NOT EXISTS bench_executions_script_open ON executions (script_id, created_at) WHERE status IN ('running', 'queued')");
  } finally {
    db.close();
  }
  console.log(
    `history: ${days} day(s) of every-minute executions per script stored in ${round((performance.now() - t0) / 1000, 1)} s${index ? "; the open-executions index added" : ""}`,
  );
}

async function main(): Promise<void> {
  const system = await System.start({
    env: {
      LOG_LEVEL: "error",
      IOTA_ADMIN_BUILD: "never",
      TENANT_CONCURRENCY: String(perTenant),
      GLOBAL_CONCURRENCY: String(scriptCount),
      RUNNER_MAX_PROCESSES: String(Math.max(32, tenantCount + 4)),
    },
  });
  try {
    const t0 = performance.now();
    const tenants = await Promise.all(Array.from({ length: tenantCount }, (_, i) => system.tenant(`cron-${i}`)));
    const plan = Array.from({ length: scriptCount }, (_, i) => ({ tenant: tenants[i % tenantCount]!, name: `every-minute-${i}` }));
    const ids: string[] = new Array(scriptCount);
    await inParallel(plan, parallel, async (p, i) => {
      ids[i] = await system.script(
        { name: p.name, kind: "scheduled", cron: "* * * * *", code: "export default (input) => input.scheduledFor" },
        p.tenant.token,
      );
    });
    const createdMs = performance.now() - t0;
    // One run of each script: every tenant's runner process is up and every version loaded.
    const manualRun = async (p: (typeof plan)[number], i: number) => {
      // A minute may turn meanwhile and fill the tenant's limit with scheduled runs: wait for room.
      for (let attempt = 1; ; attempt++) {
        const r = await system.api("POST", `/admin/api/scripts/${ids[i]}/runs`, { input: { scheduledFor: "warm-up" } }, { token: p.tenant.token });
        if (r.status === 200) break;
        if (r.status !== 429 || attempt === 100) throw new Error(`warm-up run: ${r.status} ${JSON.stringify(r.body)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    await inParallel(plan, parallel, manualRun);
    // The baseline: the same scripts run again by hand, warm, a sample of them.
    const sample = plan.slice(0, Math.min(200, scriptCount));
    const warmCpuBefore = descendantsCpuMs();
    await inParallel(sample, parallel, manualRun);
    const manualRunCpu = cpuPerSlot(warmCpuBefore, descendantsCpuMs(), sample.length);
    const readyMs = performance.now() - t0;
    if (historyDays > 0 || openIndex) await prepareHistory(system.dataDir, ids, historyDays, openIndex);
    console.log(
      `${scriptCount} scripts over ${tenantCount} tenants created in ${round(createdMs / 1000, 1)} s (${round(createdMs / scriptCount, 1)} ms each, ${parallel} at a time); warmed by ${round((readyMs - createdMs) / 1000, 1)} s`,
    );

    // Measured: the next `minutes` boundaries, all of them after every script existed.
    const first = Math.ceil((Date.now() + 3000) / minute) * minute;
    const slots = Array.from({ length: minutes }, (_, i) => first + i * minute);
    console.log(
      `measuring the slots ${slots.map((s) => new Date(s).toISOString().slice(11, 16)).join(", ")} (UTC); first in ${round((first - Date.now()) / 1000, 1)} s`,
    );
    await sleepUntil(first - 2000);
    const cpuBefore = descendantsCpuMs();
    // Each minute's burst (from 1 s before the minute to 15 s after) against a quiet stretch of
    // the same length later in the minute, when only the once-a-second ticks run.
    const burst: Record<string, number>[] = [];
    const quiet: Record<string, number>[] = [];
    for (const slot of slots) {
      await sleepUntil(slot - 1000);
      const b0 = descendantsCpuMs();
      await sleepUntil(slot + 15_000);
      burst.push(cpuPerSlot(b0, descendantsCpuMs(), scriptCount));
      await sleepUntil(slot + 30_000);
      const q0 = descendantsCpuMs();
      await sleepUntil(slot + 46_000);
      quiet.push(cpuPerSlot(q0, descendantsCpuMs(), scriptCount));
    }
    await sleepUntil(slots.at(-1)! + 15_000);
    const cpuAfter = descendantsCpuMs();

    const db = createClient({ url: `file:${join(system.dataDir, "iota.db")}` });
    let rows: Row[] = [];
    try {
      // Wait for the last minute's runs to finish (bounded), then read every scheduled execution.
      for (const deadline = Date.now() + 60_000; ; ) {
        const open = await db.execute("SELECT count(*) AS n FROM executions WHERE trigger = 'scheduled' AND status IN ('running', 'queued')");
        if (Number(open.rows[0]!.n) === 0 || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      const rs = await db.execute({
        sql: `SELECT script_id, scheduled_for, status, created_at, started_at FROM executions
          WHERE trigger = 'scheduled' AND scheduled_for >= ? AND scheduled_for <= ?`,
        args: [new Date(slots[0]!).toISOString(), new Date(slots.at(-1)!).toISOString()],
      });
      rows = rs.rows.map((r) => ({
        scriptId: String(r.script_id),
        slot: String(r.scheduled_for),
        status: String(r.status),
        createdAt: String(r.created_at),
        startedAt: r.started_at === null ? null : String(r.started_at),
      }));
    } finally {
      db.close();
    }

    const bySlot = new Map<string, Row[]>();
    for (const r of rows) {
      const key = `${r.scriptId}@${Date.parse(r.slot)}`;
      bySlot.set(key, [...(bySlot.get(key) ?? []), r]);
    }
    let lost = 0;
    let notSucceeded = 0;
    let doubled = 0;
    const statuses: Record<string, number> = {};
    const startDelays: number[] = [];
    const claimDelays: number[] = [];
    const perMinute = slots.map((slot) => {
      const start: number[] = [];
      const claim: number[] = [];
      for (const id of ids) {
        const found = bySlot.get(`${id}@${slot}`) ?? [];
        if (found.length === 0) lost++;
        if (found.length > 1) doubled += found.length - 1;
        for (const r of found) {
          statuses[r.status] = (statuses[r.status] ?? 0) + 1;
          if (r.status !== "succeeded") notSucceeded++;
          claim.push(Date.parse(r.createdAt) - slot);
          if (r.startedAt) start.push(Date.parse(r.startedAt) - slot);
        }
      }
      startDelays.push(...start);
      claimDelays.push(...claim);
      return { slot: new Date(slot).toISOString(), start: summary(start), claim: summary(claim) };
    });
    const expected = scriptCount * slots.length;
    const cpu = cpuPerSlot(cpuBefore, cpuAfter, expected);
    // A slot's own cost: its minute's burst less the quiet stretch's ticks, median over minutes.
    const slotCpu: Record<string, number> = {};
    for (const role of new Set([...burst, ...quiet].flatMap((c) => Object.keys(c)))) {
      const each = burst.map((b, i) => (b[role] ?? 0) - (quiet[i]![role] ?? 0)).sort((a, b) => a - b);
      slotCpu[role] = each[each.length >> 1]!;
    }

    printTable(
      perMinute.map((m) => ({
        slot: m.slot.slice(11, 16),
        runs: m.start.n,
        "start p50": m.start.p50Ms,
        "start p95": m.start.p95Ms,
        "start p99": m.start.p99Ms,
        "start max": m.start.maxMs,
        "claim p99": m.claim.p99Ms,
      })),
    );
    const start = summary(startDelays);
    const claim = summary(claimDelays);
    const result = {
      scripts: scriptCount,
      tenants: tenantCount,
      tenantConcurrency: perTenant,
      globalConcurrency: scriptCount,
      minutes,
      expectedSlots: expected,
      executions: rows.length,
      lost,
      doubled,
      notSucceeded,
      statuses,
      startDelay: start,
      claimDelay: claim,
      historyDays,
      openIndex,
      cpuUsPerSlotOverall: cpu,
      cpuUsPerSlotBurstLessQuiet: slotCpu,
      cpuUsPerManualRun: manualRunCpu,
      perMinute,
      createMsPerScript: round(createdMs / scriptCount, 2),
    };
    console.log(
      `\nstart delay after the minute over ${start.n} runs: p50 ${start.p50Ms} ms, p95 ${start.p95Ms} ms, p99 ${start.p99Ms} ms, max ${start.maxMs} ms (target p99 < 100 ms)`,
    );
    console.log(`claim delay (the slot's row recorded): p50 ${claim.p50Ms} ms, p99 ${claim.p99Ms} ms`);
    console.log(`slots: ${expected} expected, ${lost} lost, ${doubled} doubled, ${notSucceeded} not succeeded (${JSON.stringify(statuses)})`);
    console.log(`CPU per slot, its minute's burst less a quiet stretch: ${split(slotCpu)}; over the whole measured span (idle ticks included): ${split(cpu)}`);
    console.log(
      `baseline, a warm manual sync run of the same scripts through the API (${sample.length} of them, ${parallel} at a time): ${split(manualRunCpu)}`,
    );
    console.log(`written to ${await writeResults("cron", result)}`);
    if (lost > 0 || doubled > 0) {
      console.log(`the host's last words:\n${system.output.split("\n").slice(-40).join("\n")}`);
      process.exitCode = 1;
    }
  } finally {
    await system.destroy();
  }
}

await main();
