// Queues waking the tick on Cloudflare. Cron Triggers call the tick every minute; work due
// sooner (a queued run, an event delivery to retry in 2 s, an alert to send) would otherwise
// wait for the next minute, where the host's ticker would have started it within a second. So
// after each tick, and after a request that left work waiting, the dispatcher sends itself a
// message delayed until the earliest work is due; the queue's consumer ticks. A message says
// only "tick": what is due is read from the database, which stays the truth, so a lost or
// repeated message costs a minute's delay or one idle tick, never a run or a delivery.
import type { Database } from "../../../db/open-remote.ts";

export interface WakeMessage {
  /** Why it was sent, for logs. */
  reason: string;
}

/** The queue's producer binding, as wrangler.toml names it. */
export interface WakeBindings {
  WAKE?: Queue<WakeMessage>;
}

/** Past this, the cron's next minute comes first: no message is needed. */
const cronCoverMs = 60_000;

/** When the earliest waiting work is due (ms from now, 0 for now), or undefined if none is within the cron's minute. */
export async function nextDueInMs(db: Database, now = Date.now()): Promise<number | undefined> {
  // Through $batch, whose rows are arrays on every driver (libSQL, the host's proxy, D1).
  const [rows] = await db.$batch([
    {
      sql: `SELECT
      (SELECT min(due) FROM (
        SELECT coalesce(not_before, '') AS due FROM executions WHERE status = 'queued'
        UNION ALL SELECT next_attempt_at FROM alert_deliveries WHERE status = 'pending')) AS due,
      EXISTS (SELECT 1 FROM executions WHERE trigger = 'event' AND followed_up = 0
        AND status IN ('failed', 'timed_out', 'interrupted')) AS failed`,
      params: [],
    },
  ]);
  const [due, failed] = (rows?.[0] ?? []) as [string | null | undefined, number | undefined];
  if (failed) return 0;
  if (due === null || due === undefined) return undefined;
  const at = due === "" ? now : Date.parse(due);
  const wait = Number.isFinite(at) ? Math.max(0, at - now) : 0;
  return wait < cronCoverMs ? wait : undefined;
}

/** Sends a wake-up for when the earliest work is due, if any is due before the next cron. */
export async function wakeWhenDue(env: WakeBindings, db: Database, reason: string): Promise<void> {
  const queue = env.WAKE;
  if (!queue) return;
  const wait = await nextDueInMs(db);
  if (wait === undefined) return;
  // Queues count delays in whole seconds; at least one, so a busy queue is not a busy loop.
  await queue.send({ reason }, { delaySeconds: Math.max(1, Math.ceil(wait / 1000)) });
}

let lastSoon = 0;
/**
 * Sends a wake-up for work known to be due now (an alert just queued), without asking the
 * database; at most one a second from an isolate, since one tick sends everything then due.
 */
export async function wakeSoon(env: WakeBindings, reason: string): Promise<void> {
  if (!env.WAKE || Date.now() - lastSoon < 1000) return;
  lastSoon = Date.now();
  await env.WAKE.send({ reason }, { delaySeconds: 1 });
}
