// Failure alerts. Rules (the script's own, else its tenant's) say which outcomes alert and
// where to (email, Slack-compatible webhook). The first failure alerts at once; more failures
// within the window are held and sent as one digest when it ends; the next success after an
// alert sends "resolved". Messages are stored as deliveries (an outbox): a sender claims the due
// ones, sends them and reports each outcome here, where retries, backoff and giving up are
// decided and recorded. Locally the host's sender does (SMTP and webhooks through its egress
// proxy); on Cloudflare a step of the tick, which is told when a message is queued so it can
// be woken for it rather than wait for the next minute's cron.
import { and, desc, eq, gt, lte, sql } from "drizzle-orm";
import type { Database } from "../../db/open-remote.ts";
import { alertDeliveries, alertState, executions, scripts, tenants, type AlertRule, type Script } from "../../db/schema.ts";
import { alertLeaseMs } from "../../protocol/alert-delivery.ts";
import type { ClaimedDelivery, DeliveryRecord, DeliveryReport } from "../../protocol/host-domain.ts";
import { alertEvents, type AlertEvent } from "../../protocol/schemas/alerts.ts";
import type { ScriptKind } from "../../protocol/schemas/scripts.ts";
import type { ScriptDirectory } from "./script-directory.ts";
import { newId } from "./secrets.ts";

export type { AlertEvent, ClaimedDelivery, DeliveryRecord, DeliveryReport };

/** How many times a delivery is tried before it is recorded as failed for good. */
export const maxDeliveryAttempts = 8;

export interface Outcome {
  executionId: string;
  status: string;
  trigger: string;
  version: number;
  errorMessage: string | null;
}

/** Which script an outcome is of; the kind, when known, lets the lookup use the caches. */
export interface ScriptRef {
  id: string;
  tenantId: string;
  kind?: ScriptKind;
}

export class AlertService {
  readonly #db: Database;
  readonly #windowMs: number;
  readonly #adminUrl: string;
  readonly #directory: ScriptDirectory;
  #onQueued: (() => Promise<void>) | undefined;

  constructor(db: Database, directory: ScriptDirectory, options: { windowMs: number; adminUrl: string }) {
    this.#db = db;
    this.#directory = directory;
    this.#windowMs = options.windowMs;
    this.#adminUrl = options.adminUrl.replace(/\/+$/, "");
  }

  /** Called after messages are queued (a failure made none of them less stored). */
  whenQueued(listener: () => Promise<void>): void {
    this.#onQueued = listener;
  }

  async #queued(): Promise<void> {
    await this.#onQueued?.().catch((e: Error) => console.error(JSON.stringify({ level: "error", event: "alerts.wake_failed", error: e.message })));
  }

  async #context(ref: ScriptRef): Promise<{ script: Script; tenantSlug: string; rules: AlertRule[] } | undefined> {
    // Every finished execution asks; a live script and its tenant usually come from the caches.
    const cached = await this.#directory.find(ref.tenantId, ref.kind, ref.id);
    if (cached) return { script: cached.script, tenantSlug: cached.tenant.slug, rules: cached.script.alerts ?? cached.tenant.alerts ?? [] };
    const [row] = await this.#db
      .select({ script: scripts, slug: tenants.slug, tenantAlerts: tenants.alerts })
      .from(scripts)
      .innerJoin(tenants, eq(tenants.id, scripts.tenantId))
      .where(and(eq(scripts.id, ref.id), eq(scripts.tenantId, ref.tenantId)));
    if (!row) return undefined;
    return { script: row.script, tenantSlug: row.slug, rules: row.script.alerts ?? row.tenantAlerts ?? [] };
  }

  /** Called with every finished execution (and every dead letter) of a script. */
  async onOutcome(ref: ScriptRef, outcome: Outcome, event?: AlertEvent): Promise<void> {
    const scriptId = ref.id;
    const ctx = await this.#context(ref);
    if (!ctx || ctx.rules.length === 0) return;
    const happened = event ?? alertEvents.find((e) => e === outcome.status);
    for (const [i, rule] of ctx.rules.entries()) {
      if (happened && rule.on.includes(happened)) await this.#raise(ctx, `${i}:outcome`, rule, outcome, happened);
      if (outcome.status === "succeeded") await this.#resolve(ctx, rule, i, outcome);
      if (rule.afterSlots && outcome.trigger === "scheduled" && outcome.status !== "succeeded") {
        const last = await this.#db
          .select({ status: executions.status })
          .from(executions)
          .where(and(eq(executions.scriptId, scriptId), eq(executions.trigger, "scheduled")))
          .orderBy(desc(executions.createdAt))
          .limit(rule.afterSlots);
        if (last.length === rule.afterSlots && last.every((e) => e.status !== "succeeded" && e.status !== "running" && e.status !== "queued")) {
          await this.#raise(
            ctx,
            `${i}:slots`,
            rule,
            {
              ...outcome,
              errorMessage: `no success in the last ${rule.afterSlots} scheduled slots (latest: ${outcome.status}${outcome.errorMessage ? `, ${outcome.errorMessage}` : ""})`,
            },
            "failed",
          );
        }
      }
    }
  }

  async #raise(ctx: { script: Script; tenantSlug: string }, ruleKey: string, rule: AlertRule, o: Outcome, event: AlertEvent): Promise<void> {
    const now = new Date();
    const [state] = await this.#db
      .select()
      .from(alertState)
      .where(and(eq(alertState.scriptId, ctx.script.id), eq(alertState.ruleKey, ruleKey)));
    const recent = state?.lastSentAt && now.getTime() - Date.parse(state.lastSentAt) < this.#windowMs;
    if (recent) {
      // Grouped: counted now, told in one digest when the window closes.
      await this.#db
        .update(alertState)
        .set({ held: sql`${alertState.held} + 1`, open: true, lastExecutionId: o.executionId, lastError: o.errorMessage })
        .where(and(eq(alertState.scriptId, ctx.script.id), eq(alertState.ruleKey, ruleKey)));
      return;
    }
    const subject = `[iota-scripts] ${ctx.tenantSlug}/${ctx.script.name}: ${event === "dead_letter" ? "event dead-lettered" : o.status}`;
    const body = this.#message(ctx, o, event);
    await this.#db.batch([
      this.#db
        .insert(alertState)
        .values({
          scriptId: ctx.script.id,
          ruleKey,
          tenantId: ctx.script.tenantId,
          open: true,
          lastSentAt: now.toISOString(),
          held: 0,
          lastExecutionId: o.executionId,
          lastError: o.errorMessage,
        })
        .onConflictDoUpdate({
          target: [alertState.scriptId, alertState.ruleKey],
          set: { open: true, lastSentAt: now.toISOString(), held: 0, lastExecutionId: o.executionId, lastError: o.errorMessage },
        }),
      ...this.#deliveries(ctx.script, rule, o.executionId, subject, body),
    ]);
    await this.#queued();
  }

  async #resolve(ctx: { script: Script; tenantSlug: string }, rule: AlertRule, i: number, o: Outcome): Promise<void> {
    const open = await this.#db
      .update(alertState)
      .set({ open: false, held: 0, lastSentAt: null })
      .where(and(eq(alertState.scriptId, ctx.script.id), sql`${alertState.ruleKey} LIKE ${`${i}:%`}`, eq(alertState.open, true)))
      .returning({ key: alertState.ruleKey });
    if (open.length === 0) return;
    const subject = `[iota-scripts] ${ctx.tenantSlug}/${ctx.script.name}: resolved`;
    const body = `Resolved: ${ctx.tenantSlug}/${ctx.script.name} succeeded again (version ${o.version}, trigger ${o.trigger}).\n${this.#adminUrl}/admin/history/${o.executionId}`;
    await this.#db.batch(this.#deliveries(ctx.script, rule, o.executionId, subject, body) as [never]);
    await this.#queued();
  }

  /** Sends the digests of held alerts whose window has closed. */
  async flushDigests(): Promise<number> {
    const closed = new Date(Date.now() - this.#windowMs).toISOString();
    const due = await this.#db
      .select()
      .from(alertState)
      .where(and(gt(alertState.held, 0), lte(alertState.lastSentAt, closed)));
    for (const state of due) {
      const ctx = await this.#context({ id: state.scriptId, tenantId: state.tenantId });
      const rule = ctx?.rules[Number(state.ruleKey.split(":")[0])];
      const claimed = await this.#db
        .update(alertState)
        .set({ held: 0, lastSentAt: new Date().toISOString() })
        .where(and(eq(alertState.scriptId, state.scriptId), eq(alertState.ruleKey, state.ruleKey), eq(alertState.held, state.held)))
        .returning({ key: alertState.ruleKey });
      if (!ctx || !rule || claimed.length === 0) continue;
      const subject = `[iota-scripts] ${ctx.tenantSlug}/${ctx.script.name}: ${state.held} more failure${state.held === 1 ? "" : "s"}`;
      const body = `${ctx.tenantSlug}/${ctx.script.name} failed ${state.held} more time${state.held === 1 ? "" : "s"} in the last ${Math.round(this.#windowMs / 60_000)} minutes.\nLatest error: ${state.lastError ?? "(none)"}\n${this.#adminUrl}/admin/history/${state.lastExecutionId}`;
      await this.#db.batch(this.#deliveries(ctx.script, rule, state.lastExecutionId, subject, body) as [never]);
    }
    return due.length;
  }

  /**
   * Leases up to `limit` due deliveries to one sender, in one statement, so two senders (two
   * hosts on one database) never send the same message at once.
   */
  async claimDeliveries(limit = 20): Promise<ClaimedDelivery[]> {
    const now = Date.now();
    const lease = new Date(now + alertLeaseMs).toISOString();
    const rows = await this.#db.values<[string, string, "email" | "webhook", string, string, string, number]>(sql`
      UPDATE alert_deliveries SET next_attempt_at = ${lease}
      WHERE id IN (SELECT id FROM alert_deliveries WHERE status = 'pending' AND next_attempt_at <= ${new Date(now).toISOString()}
                   ORDER BY next_attempt_at LIMIT ${Math.max(1, Math.min(limit, 100))})
      RETURNING id, tenant_id, channel, target, subject, body, attempts`);
    return rows
      .map(([id, tenantId, channel, target, subject, body, attempts]) => ({ id, tenantId, channel, target, subject, body, attempts: Number(attempts), lease }))
      .sort((a, b) => (a.id < b.id ? -1 : 1));
  }

  /** Hands a claimed delivery back unsent, due at once; only under the lease it was claimed with. */
  async releaseDelivery(delivery: { id: string; lease: string }): Promise<void> {
    await this.#db
      .update(alertDeliveries)
      .set({ nextAttemptAt: new Date().toISOString() })
      .where(and(eq(alertDeliveries.id, delivery.id), eq(alertDeliveries.status, "pending"), eq(alertDeliveries.nextAttemptAt, delivery.lease)));
  }

  /**
   * Records what a sender saw: sent, or failed and retried after 2 s doubling (at most 30
   * minutes), given up after the last attempt. Only under the lease it was claimed with.
   */
  async reportDelivery(report: DeliveryReport): Promise<DeliveryRecord> {
    const now = Date.now();
    const [row] =
      report.error === undefined
        ? await this.#db.values<[string, number]>(sql`
            UPDATE alert_deliveries SET status = 'sent', attempts = attempts + 1, sent_at = ${new Date(now).toISOString()}, last_error = NULL
            WHERE id = ${report.id} AND status = 'pending' AND next_attempt_at = ${report.lease}
            RETURNING status, attempts`)
        : await this.#db.values<[string, number]>(sql`
            UPDATE alert_deliveries SET
              status = CASE WHEN attempts + 1 >= ${maxDeliveryAttempts} THEN 'failed' ELSE 'pending' END,
              next_attempt_at = strftime('%Y-%m-%dT%H:%M:%fZ', (${now} + min(2000 * (1 << attempts), 1800000)) / 1000.0, 'unixepoch'),
              attempts = attempts + 1,
              last_error = ${report.error.slice(0, 500)}
            WHERE id = ${report.id} AND status = 'pending' AND next_attempt_at = ${report.lease}
            RETURNING status, attempts`);
    if (!row) return { id: report.id, recorded: false };
    return { id: report.id, recorded: true, status: row[0] as DeliveryRecord["status"], attempts: Number(row[1]) };
  }

  #message(ctx: { script: Script; tenantSlug: string }, o: Outcome, event: AlertEvent): string {
    return [
      `${event === "dead_letter" ? "An event delivery was dead-lettered" : `A run ${o.status.replace("_", " ")}`} in ${ctx.tenantSlug}/${ctx.script.name}.`,
      `Tenant: ${ctx.tenantSlug}`,
      `Script: ${ctx.script.name} (version ${o.version})`,
      `Trigger: ${o.trigger}`,
      `Status: ${o.status}`,
      `Error: ${o.errorMessage ?? "(none)"}`,
      `Execution: ${this.#adminUrl}/admin/history/${o.executionId}`,
    ].join("\n");
  }

  #deliveries(script: Script, rule: AlertRule, executionId: string | null, subject: string, body: string) {
    const now = new Date().toISOString();
    const channels: ["email" | "webhook", string][] = [];
    if (rule.email) channels.push(["email", rule.email]);
    if (rule.webhook) channels.push(["webhook", rule.webhook]);
    return channels.map(([channel, target]) =>
      this.#db
        .insert(alertDeliveries)
        .values({ id: newId("alr"), tenantId: script.tenantId, scriptId: script.id, executionId, channel, target, subject, body, nextAttemptAt: now }),
    );
  }
}
