// The alert sender on Cloudflare, a step of the tick: where the host's sender claims the outbox's
// due deliveries over /internal/alerts/claim, this claims them from the same domain service, sends
// them through the same pool (a few at once, each only while its lease covers it), and reports
// each outcome the same way (the domain decides retries and records).
// Webhooks go through the same egress exchange as scripts' fetch() here (DNS-over-HTTPS check,
// per-tenant lists, redirects judged, refusals told); email goes through Cloudflare's Email
// Workers binding (`send_email`), when the deployment has one.
import { emailContent, webhookAnswerError, webhookBody, webhookHeaders } from "../../../protocol/alert-messages.ts";
import type { ClaimedDelivery } from "../../../protocol/host-domain.ts";
import { DeliveryPool } from "../../../protocol/alert-delivery.ts";
import type { AlertService } from "../../domain/alerts.ts";
import type { Env } from "../../env.ts";
import { egressExchange, requestCounter } from "./egress.ts";

/**
 * What the sender reads beyond the dispatcher's bindings. (SEND_EMAIL, Cloudflare Email Workers,
 * is typed from wrangler.toml with the rest; without it email alerts cannot be sent.)
 */
export interface AlertSenderBindings {
  /** The sender address: on Cloudflare, an address of a domain with Email Routing on the account. */
  ALERT_EMAIL_FROM?: string;
}

type SenderEnv = Env & AlertSenderBindings;

/** Deliveries claimed per tick; the rest wait for the next one (woken at once when any are left due). */
const perTick = 20;

function log(level: "info" | "warn" | "error", event: string, fields: Record<string, unknown>): void {
  console[level === "info" ? "log" : level](JSON.stringify({ level, event, ...fields }));
}

/** POSTs the webhook's body through the egress policy; rejects with what the attempt's record should say. */
async function postWebhook(env: SenderEnv, d: ClaimedDelivery, signal: AbortSignal): Promise<void> {
  const executionId = `alert:${d.id}`;
  let request: Request;
  try {
    request = new Request(d.target, { method: "POST", headers: webhookHeaders, body: webhookBody(d), signal });
  } catch {
    throw new Error(`the webhook ${d.target} is not a URL fetch() accepts`);
  }
  try {
    const response = await egressExchange(env, request, new Headers(webhookHeaders), { tenantId: d.tenantId, executionId }, (record) => {
      if (record.refused) log("warn", "alert.egress_refused", { id: d.id, tenantId: d.tenantId, url: record.url, refused: record.refused });
    });
    if (response.headers.get("x-iota-egress-refused")) {
      const refusal = await response.json<{ error?: { message?: string } }>().catch(() => undefined);
      throw new Error(refusal?.error?.message ?? "refused by the egress policy");
    }
    await response.body?.cancel();
    const error = webhookAnswerError(response.status);
    if (error) throw new Error(error);
  } finally {
    requestCounter.forget(executionId);
  }
}

async function sendEmail(env: SenderEnv, d: ClaimedDelivery): Promise<void> {
  if (!env.SEND_EMAIL) throw new Error("no email sender is bound: add a send_email binding named SEND_EMAIL (Cloudflare Email Workers)");
  if (!env.ALERT_EMAIL_FROM) throw new Error("ALERT_EMAIL_FROM is not set: Cloudflare sends email only from an address of a domain on the account");
  await env.SEND_EMAIL.send({ from: env.ALERT_EMAIL_FROM, to: d.target, ...emailContent(d) });
}

/**
 * Claims the due deliveries a few at a time as sends finish, sends them at once (a slow receiver
 * holds one slot, not the rest), reports each outcome as it happens; answers how many were tried.
 */
export async function sendDueAlerts(env: SenderEnv, alerts: AlertService): Promise<number> {
  const pool = new DeliveryPool({
    claim: (limit) => alerts.claimDeliveries(limit),
    send: (delivery, signal) => (delivery.channel === "email" ? sendEmail(env, delivery) : postWebhook(env, delivery, signal)),
    report: (report) => alerts.reportDelivery(report),
    release: (delivery) => alerts.releaseDelivery(delivery),
    log,
  });
  const tried = await pool.fill(perTick);
  await pool.idle();
  return tried;
}
