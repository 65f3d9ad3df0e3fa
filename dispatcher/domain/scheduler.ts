// The scheduler: claims every due slot of every enabled scheduled script, exactly once, and
// leaves a record for each: ran (or queued), skipped because the previous run was still
// going, missed while the platform was down, or caught up after downtime.
import { sql } from "drizzle-orm";
import type { Database } from "../../db/open-remote.ts";
import { parseCron, lastRuns, nextRuns, isoInZone, upcoming, type UpcomingRun } from "../../protocol/cron/index.ts";
import { checkCron, checkTimeZone } from "../../protocol/schemas/schedule.ts";
import type { Admission } from "./admission.ts";
import type { Background, RunService } from "./runs.ts";
import { newId } from "./secrets.ts";
import type { ScheduledConfig } from "../../protocol/schemas/script-settings.ts";

/** A slot processed later than this after its time counts as missed (the platform was down). */
export const lateAfterMs = 60_000;
const maxMissedRecords = 1000;

/** The next slot strictly after `after`, as UTC ISO, or null if the schedule never runs again. */
export function nextSlot(c: ScheduledConfig, after: number): string | null {
  const [t] = nextRuns(parseCron(c.cron), c.timezone, after, 1);
  return t === undefined ? null : new Date(t).toISOString();
}

export function upcomingFor(c: ScheduledConfig, from: number, count = 5): UpcomingRun[] {
  return upcoming(c.cron, c.timezone, from, count);
}

export function preview(cron: string | undefined, timezone: string | undefined): UpcomingRun[] {
  const zone = timezone || "UTC";
  checkTimeZone(zone, "timezone");
  checkCron(cron ?? "", zone);
  return upcoming(cron!, zone, Date.now(), 5);
}

/** Due scripts read per query; a tick reads on while a full batch comes back. */
const dueBatch = 2000;
const maxBatchesPerTick = 10;
/**
 * Slots passed since the recorded next one that are walked forward directly; beyond that (long
 * downtime) the last ones are found by walking back (`lastRuns`), which costs hundreds of
 * milliseconds per schedule and must not be paid on every ordinary minute.
 */
const fewSlots = 10;

/** Parsed cron expressions, shared by every tick of this isolate (scripts share expressions). */
const parsedCrons = new Map<string, ReturnType<typeof parseCron>>();
function parsed(cron: string): ReturnType<typeof parseCron> {
  let p = parsedCrons.get(cron);
  if (!p) {
    if (parsedCrons.size >= 10_000) parsedCrons.clear();
    p = parseCron(cron);
    parsedCrons.set(cron, p);
  }
  return p;
}

/** What one script's due slots come to: the same for every script with its cron, zone and recorded slot. */
interface Plan {
  /** The slots to process, oldest first; the last is the one that may run. */
  slots: number[];
  /** Slots before these were passed too, from `from` on, too many to list. */
  more: boolean;
  /** The slot after them, or undefined when the schedule never runs again. */
  next: number | undefined;
}

/**
 * The slots due by `now` from the recorded next one `from` (normally just that one; more after
 * downtime, when only the last ones are listed) and the one after them. croner takes about a
 * millisecond per step in a time zone, so a tick works this out once per cron, zone and slot,
 * not once per script.
 */
function planFor(cron: string, zone: string, from: number, now: number): Plan {
  const fields = parsed(cron);
  // The usual case, one slot: the step after it is past now.
  const [after] = nextRuns(fields, zone, from, 1);
  if (after === undefined || after > now) return { slots: [from], more: false, next: after };
  const ahead = nextRuns(fields, zone, from, fewSlots + 1);
  const passed = ahead.filter((t) => t <= now);
  if (passed.length < ahead.length || ahead.length <= fewSlots) {
    // Every slot up to now is known, and the first after it is the next one (or there is none):
    // a run at exactly `now` is among the passed ones, so the next is strictly after now.
    return { slots: [from, ...passed], more: false, next: ahead[passed.length] };
  }
  const { runs, more } = lastRuns(fields, zone, from, now, maxMissedRecords);
  const slots = more ? runs : [from, ...runs];
  return { slots, more, next: nextRuns(fields, zone, Math.max(slots.at(-1)!, now - 1), 1)[0] };
}

/** The columns a tick reads of a due script. */
interface Due {
  id: string;
  tenantId: string;
  config: ScheduledConfig;
  currentVersion: number;
  timeoutMs: number;
  nextRunAt: string;
}

export interface TickOptions {
  now?: number;
  /** Claims wait for this (the tick closing runs lost with their dispatcher: they are not still going). */
  after?: Promise<unknown>;
  /**
   * Looks up what a run of this script needs (its tenant, its live script, its version), so that
   * it is in the isolate's caches when the runs start: a thousand runs starting together would
   * otherwise each read their tenant's scripts, since the caches do not share a load under way.
   * Called for one due script of each tenant, alongside the claims, and awaited before them.
   */
  warm?: (script: { id: string; tenantId: string; currentVersion: number }) => Promise<unknown>;
}

export class Scheduler {
  readonly #db: Database;
  readonly #admission: Admission;
  readonly #runs: RunService;

  constructor(db: Database, admission: Admission, runs: RunService) {
    this.#db = db;
    this.#admission = admission;
    this.#runs = runs;
  }

  /**
   * Claims and starts every slot due by `now`; answers how many slots it recorded. With a
   * thousand scripts due at one minute, the time goes to round trips to the database: the due
   * scripts are read in one query, their pointers moved in one transaction, and their slots
   * claimed together (the admissions share transactions, see GroupCommit); each run starts as
   * soon as its claim is back.
   */
  async tick(background: Background, options: TickOptions = {}): Promise<number> {
    const now = options.now ?? Date.now();
    const plans = new Map<string, Plan>();
    let recorded = 0;
    for (let batch = 0; batch < maxBatchesPerTick; batch++) {
      const [due] = await Promise.all([this.#due(now), batch === 0 ? options.after : undefined]);
      if (due.length > 0) recorded += await this.#fireAll(due, now, plans, options.warm, background);
      if (due.length < dueBatch) break;
    }
    return recorded;
  }

  async #due(now: number): Promise<Due[]> {
    const rows = await this.#db.values<[string, string, string, number, number, string]>(sql`
      SELECT id, tenant_id, config, current_version, timeout_ms, next_run_at FROM scripts
      WHERE next_run_at <= ${new Date(now).toISOString()} AND kind = 'scheduled' AND enabled = 1 AND deleted_at IS NULL
      ORDER BY next_run_at LIMIT ${dueBatch}`);
    return rows.map(([id, tenantId, config, currentVersion, timeoutMs, nextRunAt]) => ({
      id,
      tenantId,
      config: JSON.parse(config) as ScheduledConfig,
      currentVersion: Number(currentVersion),
      timeoutMs: Number(timeoutMs),
      nextRunAt,
    }));
  }

  async #fireAll(due: Due[], now: number, plans: Map<string, Plan>, warm: TickOptions["warm"], background: Background): Promise<number> {
    const work = due.map((script) => {
      const c = script.config;
      const key = `${c.cron}\n${c.timezone}\n${script.nextRunAt}`;
      let plan = plans.get(key);
      if (!plan) {
        plan = planFor(c.cron, c.timezone, Date.parse(script.nextRunAt), now);
        plans.set(key, plan);
      }
      return { script, plan };
    });
    // What every run will look up, looked up once per tenant meanwhile (see TickOptions.warm).
    const warming = warm ? Promise.allSettled([...new Map(due.map((s) => [s.tenantId, s])).values()].map((s) => warm(s))) : undefined;
    // Move every pointer first, compare-and-set, in one statement: a script another host moved
    // first is its to fire. (The unique (script, slot) row is what makes a claim happen once;
    // the pointer keeps two hosts from both doing the work of recording it.)
    const [rows] = await this.#db.$batch([
      {
        sql: `UPDATE scripts SET next_run_at = m.value ->> 'next' FROM json_each(?1) m
          WHERE scripts.id = m.value ->> 'id' AND scripts.next_run_at = m.value ->> 'from'
          RETURNING scripts.id`,
        params: [
          JSON.stringify(
            work.map(({ script, plan }) => ({
              id: script.id,
              from: script.nextRunAt,
              next: plan.next === undefined ? null : new Date(plan.next).toISOString(),
            })),
          ),
        ],
      },
    ]);
    const moved = new Set(rows!.map(([id]) => id as string));
    await warming;
    const counts = await Promise.all(work.map(({ script, plan }) => (moved.has(script.id) ? this.#fire(script, plan, now, background) : 0)));
    return counts.reduce((a, b) => a + b, 0);
  }

  async #fire(script: Due, plan: Plan, now: number, background: Background): Promise<number> {
    const { slots, more } = plan;
    const latest = slots.at(-1)!;
    const catchUpOrRun = now - latest <= lateAfterMs || script.config.missedPolicy === "catch_up";
    const missed = catchUpOrRun ? slots.slice(0, -1) : slots;
    let recorded = missed.length === 0 ? 0 : await this.#recordMissed(script, missed, more ? Date.parse(script.nextRunAt) : undefined);
    if (catchUpOrRun) {
      const caughtUp = now - latest > lateAfterMs;
      recorded += await this.#claim(script, latest, caughtUp, background);
    }
    return recorded;
  }

  /** `earlierFrom`: slots from then on were missed too, but too many to record one by one. */
  async #recordMissed(script: Due, slots: number[], earlierFrom?: number): Promise<number> {
    if (slots.length === 0) return 0;
    const kept = slots.slice(-maxMissedRecords);
    const dropped = slots.length - kept.length;
    const zone = script.config.timezone;
    const before =
      earlierFrom !== undefined ? ` (and every earlier slot from ${isoInZone(earlierFrom, zone)} on)` : dropped > 0 ? ` (and ${dropped} earlier slots)` : "";
    const now = new Date().toISOString();
    const rows = kept.map((t, i) => ({
      id: newId("exe"),
      slot: new Date(t).toISOString(),
      message: `missed: the platform was not running at ${isoInZone(t, zone)}${i === 0 ? before : ""}`,
    }));
    for (let i = 0; i < rows.length; i += 100) {
      const chunk = rows.slice(i, i + 100);
      await this.#db.run(sql`
        INSERT INTO executions (id, tenant_id, script_id, version, trigger, status, input, attempt, created_at, finished_at, scheduled_for, error_code, error_message)
        VALUES ${sql.join(
          chunk.map(
            (r) =>
              sql`(${r.id}, ${script.tenantId}, ${script.id}, ${script.currentVersion}, 'scheduled', 'missed', ${JSON.stringify({ scheduledFor: r.slot })}, 1, ${now}, ${now}, ${r.slot}, 'MISSED', ${r.message})`,
          ),
          sql`, `,
        )}
        ON CONFLICT DO NOTHING`);
    }
    return rows.length;
  }

  async #claim(script: Due, slot: number, caughtUp: boolean, background: Background): Promise<number> {
    const zone = script.config.timezone;
    const input = JSON.stringify({ scheduledFor: isoInZone(slot, zone), ...(caughtUp ? { caughtUp: true } : {}) });
    const claimed = await this.#admission.admitSlot({
      tenantId: script.tenantId,
      scriptId: script.id,
      version: script.currentVersion,
      trigger: "scheduled",
      input,
      scheduledFor: new Date(slot).toISOString(),
      timeoutMs: script.timeoutMs,
    });
    if (!claimed) return 0;
    if (claimed.status === "running") background(this.#runs.startClaimed(claimed, background));
    return 1;
  }
}
