// The scheduler: claims every due slot of every enabled scheduled script, exactly once, and
// leaves a record for each: ran (or queued), skipped because the previous run was still
// going, missed while the platform was down, or caught up after downtime.
import { and, eq, isNull, lte, sql } from "drizzle-orm";
import type { Database } from "../../db/open-remote.ts";
import { scripts, type Script } from "../../db/schema.ts";
import { parseCron, lastRuns, nextRuns, isoInZone, upcoming, type UpcomingRun } from "../../protocol/cron/index.ts";
import { checkCron, checkTimeZone } from "../../protocol/schemas/schedule.ts";
import type { Admission } from "./admission.ts";
import type { Background, RunService } from "./runs.ts";
import { newId } from "./secrets.ts";
import { typed, type ScriptOf } from "./script-view.ts";
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

export class Scheduler {
  readonly #db: Database;
  readonly #admission: Admission;
  readonly #runs: RunService;

  constructor(db: Database, admission: Admission, runs: RunService) {
    this.#db = db;
    this.#admission = admission;
    this.#runs = runs;
  }

  /** Claims and starts every slot due by `now`; answers how many slots it recorded. */
  async tick(background: Background, now = Date.now()): Promise<number> {
    const due = await this.#db
      .select()
      .from(scripts)
      .where(and(eq(scripts.kind, "scheduled"), eq(scripts.enabled, true), isNull(scripts.deletedAt), lte(scripts.nextRunAt, new Date(now).toISOString())))
      .limit(200);
    let recorded = 0;
    for (const script of due) recorded += await this.#fire(script, now, background);
    return recorded;
  }

  async #fire(row: Script, now: number, background: Background): Promise<number> {
    const script = typed(row);
    // Selected by kind above; the check is what tells the compiler its config.
    if (script.kind !== "scheduled") return 0;
    const c = script.config;
    const fields = parseCron(c.cron);
    const from = Date.parse(script.nextRunAt!);
    // Every slot from the recorded next one up to now: normally one, more after downtime, when
    // only the last ones are listed (the record says how far back the rest go).
    const { runs, more } = lastRuns(fields, c.timezone, from, now, maxMissedRecords);
    const slots = more ? runs : [from, ...runs];
    const latest = slots.at(-1)!;
    const catchUpOrRun = now - latest <= lateAfterMs || c.missedPolicy === "catch_up";
    const missed = catchUpOrRun ? slots.slice(0, -1) : slots;

    // Move the pointer first, compare-and-set: if another host got here first, it does the work.
    const next = nextRuns(fields, c.timezone, Math.max(latest, now - 1), 1)[0];
    const moved = await this.#db
      .update(scripts)
      .set({ nextRunAt: next === undefined ? null : new Date(next).toISOString() })
      .where(and(eq(scripts.id, script.id), eq(scripts.nextRunAt, script.nextRunAt!)))
      .returning({ id: scripts.id });
    if (moved.length === 0) return 0;

    let recorded = await this.#recordMissed(script, missed, more ? from : undefined);
    if (catchUpOrRun) {
      const caughtUp = now - latest > lateAfterMs;
      recorded += await this.#claim(script, latest, caughtUp, background);
    }
    return recorded;
  }

  /** `earlierFrom`: slots from then on were missed too, but too many to record one by one. */
  async #recordMissed(script: ScriptOf<"scheduled">, slots: number[], earlierFrom?: number): Promise<number> {
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

  async #claim(script: ScriptOf<"scheduled">, slot: number, caughtUp: boolean, background: Background): Promise<number> {
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
