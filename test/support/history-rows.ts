// Execution history written straight into the database file, for the history tests and
// `bench/history.ts`: a seeded, realistic mix of tenants, scripts, triggers, statuses and times,
// generated in time order (so ids, which sort by time, go in as they would have) and inserted in
// big transactions through the libsql package while the host is stopped.
import Database from "libsql";

export interface HistoryScript {
  id: string;
  tenantId: string;
  kind: "scheduled" | "http" | "event" | "manual" | "embedded";
  /** Relative share of its tenant's runs. */
  weight: number;
}

export interface HistoryTenant {
  id: string;
  /** Relative share of all runs. */
  weight: number;
  scripts: HistoryScript[];
}

export interface HistoryRow {
  id: string;
  tenantId: string;
  scriptId: string;
  trigger: string;
  status: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  errorCode: string | null;
  errorMessage: string | null;
  scheduledFor: string | null;
  logLines: number;
}

export interface HistoryPlan {
  tenants: HistoryTenant[];
  rows: number;
  /** Runs are spread uniformly over [from, to). */
  from: number;
  to: number;
  seed?: number;
}

/** A small, fast, seeded PRNG (mulberry32): the same plan gives the same rows. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

/** An id like the dispatcher's `newId`: its time first, so ids sort as their runs were created. */
function idAt(prefix: string, time: number, seq: number, rnd: () => number): string {
  let tail = "";
  for (let i = 0; i < 10; i++) tail += alphabet[Math.floor(rnd() * 32)];
  return `${prefix}_${time.toString(32).padStart(10, "0")}${(seq % 32 ** 4).toString(32).padStart(4, "0")}${tail}`;
}

function pick<T extends { weight: number }>(items: T[], total: number, r: number): T {
  let x = r * total;
  for (const item of items) {
    x -= item.weight;
    if (x < 0) return item;
  }
  return items[items.length - 1]!;
}

// Outcomes of a finished run, most of them successes, as a busy tenant's history has them.
const outcomes: { weight: number; v: [string, string | null, string | null] }[] = [
  { weight: 0.9, v: ["succeeded", null, null] },
  { weight: 0.065, v: ["failed", "SCRIPT_ERROR", "ledger unavailable: upstream answered 503 after 3 retries"] },
  { weight: 0.015, v: ["timed_out", "TIMEOUT", "the script ran past its 30000 ms timeout"] },
  { weight: 0.008, v: ["cancelled", "CANCELLED", "cancelled by dana"] },
  { weight: 0.007, v: ["interrupted", "HOST_RESTARTED", "the host restarted while the run was going"] },
  { weight: 0.003, v: ["skipped", "SKIPPED", "the previous run was still going"] },
  { weight: 0.002, v: ["missed", "MISSED", "the platform was down at this slot"] },
];

/**
 * The plan's rows, oldest first, a chunk at a time (a million rows never sit in memory at once).
 * Scheduled scripts have at most one run per minute slot (the slot is unique per script). Every
 * run has finished and every failed event delivery has been followed up, so a host started on
 * them finds nothing to run, retry or close: what it does is answer the history API.
 */
export function* historyRows(plan: HistoryPlan, chunk = 20_000): Generator<HistoryRow[]> {
  const rnd = random(plan.seed ?? 42);
  const tenantTotal = plan.tenants.reduce((s, t) => s + t.weight, 0);
  const scriptTotals = new Map(plan.tenants.map((t) => [t.id, t.scripts.reduce((s, x) => s + x.weight, 0)]));
  const slotsTaken = new Map<string, Set<number>>();
  const span = plan.to - plan.from;
  // Times in order: the sorted sample of `rows` uniform points, drawn a chunk at a time as the
  // gaps of a Poisson process (exponential gaps), rescaled to end before `to`.
  const meanGap = span / (plan.rows + 1);
  let time = plan.from;
  let lastMs = -1;
  let seq = 0;
  for (let done = 0; done < plan.rows; ) {
    const n = Math.min(chunk, plan.rows - done);
    const out: HistoryRow[] = [];
    for (let i = 0; i < n; i++) {
      time += -Math.log(1 - rnd()) * meanGap;
      const at = Math.min(plan.to - 1, Math.floor(time));
      seq = at === lastMs ? seq + 1 : 0;
      lastMs = at;
      const tenant = pick(plan.tenants, tenantTotal, rnd());
      const script = pick(tenant.scripts, scriptTotals.get(tenant.id)!, rnd());
      let trigger: string = script.kind;
      let scheduledFor: string | null = null;
      if (script.kind === "scheduled") {
        const minute = Math.floor(at / 60_000);
        let taken = slotsTaken.get(script.id);
        if (!taken) slotsTaken.set(script.id, (taken = new Set()));
        if (taken.has(minute)) trigger = "manual";
        else {
          taken.add(minute);
          scheduledFor = new Date(minute * 60_000).toISOString();
        }
      } else if (rnd() < 0.02) trigger = "manual"; // someone tried it from the admin
      let [status, errorCode, errorMessage] = pick(outcomes, 1, rnd()).v;
      if ((status === "skipped" || status === "missed") && trigger !== "scheduled") [status, errorCode, errorMessage] = ["succeeded", null, null];
      const durationMs = status === "queued" || status === "skipped" || status === "missed" ? null : Math.floor(5 + rnd() * rnd() * 2000);
      const startedAt = durationMs === null ? null : at + 2;
      const finished = status !== "queued" && status !== "running";
      out.push({
        id: idAt("exe", at, seq, rnd),
        tenantId: tenant.id,
        scriptId: script.id,
        trigger,
        status,
        createdAt: new Date(at).toISOString(),
        startedAt: startedAt === null ? null : new Date(startedAt).toISOString(),
        finishedAt: finished ? new Date(at + 2 + (durationMs ?? 0)).toISOString() : null,
        durationMs: finished ? durationMs : null,
        errorCode,
        errorMessage,
        scheduledFor,
        logLines: durationMs === null ? 0 : Math.floor(rnd() * 3),
      });
    }
    done += n;
    yield out;
  }
}

/**
 * Writes the plan's rows (and their log lines) into the database file in transactions of
 * `chunk` rows; the host must be stopped, or at least idle. Answers the number of rows.
 */
export function insertHistory(
  file: string,
  plan: HistoryPlan,
  options: { chunk?: number; onRows?: (rows: HistoryRow[]) => void; rebuildIndexes?: boolean } = {},
): number {
  const db = new Database(file);
  try {
    db.exec("PRAGMA busy_timeout = 30000; PRAGMA synchronous = OFF; PRAGMA cache_size = -262144;");
    // With `rebuildIndexes`, the history tables' indexes are dropped and built again at the end
    // (one sort each, several times faster than growing them row by row).
    const indexes = options.rebuildIndexes
      ? (db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('executions', 'execution_logs') AND sql IS NOT NULL").all() as {
          name: string;
          sql: string;
        }[])
      : [];
    for (const i of indexes) db.exec(`DROP INDEX "${i.name}"`);
    const execution = db.prepare(
      `INSERT INTO executions (id, tenant_id, script_id, version, trigger, status, input, input_bytes, output, error_code, error_message, error_stack,
        attempt, created_at, started_at, finished_at, duration_ms, scheduled_for, timeout_ms, followed_up)
       VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, 30000, 1)`,
    );
    const log = db.prepare("INSERT INTO execution_logs (execution_id, seq, level, message, at) VALUES (?, ?, ?, ?, ?)");
    let total = 0;
    for (const rows of historyRows(plan, options.chunk)) {
      db.exec("BEGIN");
      for (const r of rows) {
        const input = r.scheduledFor ? `{"scheduledFor":"${r.scheduledFor}"}` : `{"sku":"A-${total % 97}","qty":${total % 13}}`;
        const output = r.status === "succeeded" ? `{"total":${total % 1000}}` : null;
        const stack = r.errorCode === "SCRIPT_ERROR" ? `Error: ${r.errorMessage}\n    at default (script.js:3:15)` : null;
        execution.run([
          r.id,
          r.tenantId,
          r.scriptId,
          r.trigger,
          r.status,
          input,
          input.length,
          output,
          r.errorCode,
          r.errorMessage,
          stack,
          r.createdAt,
          r.startedAt,
          r.finishedAt,
          r.durationMs,
          r.scheduledFor,
        ]);
        for (let i = 0; i < r.logLines; i++) log.run([r.id, i, "info", `step ${i} of run ${total}`, r.startedAt ?? r.createdAt]);
        total++;
      }
      db.exec("COMMIT");
      options.onRows?.(rows);
    }
    for (const i of indexes) db.exec(i.sql);
    return total;
  } finally {
    db.close();
  }
}
