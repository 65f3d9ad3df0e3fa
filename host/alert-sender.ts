// Sends the alert deliveries the domain records: email over SMTP (settings from the host's
// environment) and Slack-compatible webhooks through the same egress policy as scripts. The
// domain's outbox decides what to send and records what happened: this sender claims the due
// deliveries (leased to it) through the domain's pool, the Cloudflare sender's too (a few at once,
// each only while its lease covers it), sends each, and reports the outcome; retries, backoff and
// giving up after the last attempt are the domain's.
import { request } from "node:http";
import nodemailer from "nodemailer";
import { emailContent, webhookAnswerError, webhookBody, webhookHeaders } from "../protocol/alert-messages.ts";
import type { ClaimedDelivery } from "../protocol/host-domain.ts";
import { alertSendTimeoutMs, DeliveryPool } from "../protocol/alert-delivery.ts";
import type { DomainClient } from "./domain-client.ts";
import type { HostLog } from "./log.ts";

export interface AlertSenderOptions {
  domain: DomainClient;
  log: HostLog;
  egressPort: number;
  egressSecret: string;
  everyMs?: number;
}

function smtpTransport() {
  const host = process.env.IOTA_SMTP_HOST;
  if (!host) return undefined;
  return nodemailer.createTransport({
    host,
    port: Number(process.env.IOTA_SMTP_PORT ?? 587),
    secure: process.env.IOTA_SMTP_SECURE === "true",
    ...(process.env.IOTA_SMTP_USER ? { auth: { user: process.env.IOTA_SMTP_USER, pass: process.env.IOTA_SMTP_PASS ?? "" } } : {}),
    // Plain SMTP on loopback (tests, local relays) must not be forced into STARTTLS.
    ignoreTLS: process.env.IOTA_SMTP_IGNORE_TLS === "true",
    // A send is given up after alertSendTimeoutMs anyway; a server that stalls is not waited on longer.
    connectionTimeout: alertSendTimeoutMs,
    greetingTimeout: alertSendTimeoutMs,
    socketTimeout: alertSendTimeoutMs,
  });
}

/** POSTs the webhook's body through the egress proxy, so private addresses stay unreachable. */
function postWebhook(o: AlertSenderOptions, tenantId: string, deliveryId: string, url: string, body: string, signal: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: o.egressPort,
        method: "POST",
        path: "/",
        signal,
        headers: {
          ...webhookHeaders,
          "content-length": Buffer.byteLength(body),
          "x-iota-target": url,
          "x-iota-tenant": tenantId,
          "x-iota-execution": `alert:${deliveryId}`,
          "x-iota-egress-secret": o.egressSecret,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          if (res.headers["x-iota-egress-refused"]) {
            const message = (() => {
              try {
                return JSON.parse(Buffer.concat(chunks).toString()).error.message as string;
              } catch {
                return "refused by the egress policy";
              }
            })();
            return reject(new Error(message));
          }
          resolve(res.statusCode ?? 0);
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

async function send(o: AlertSenderOptions, smtp: ReturnType<typeof smtpTransport>, from: string, d: ClaimedDelivery, signal: AbortSignal): Promise<void> {
  if (d.channel === "email") {
    if (!smtp) throw new Error("no SMTP server is configured (IOTA_SMTP_HOST)");
    await smtp.sendMail({ from, to: d.target, ...emailContent(d) });
  } else {
    const refused = webhookAnswerError(await postWebhook(o, d.tenantId, d.id, d.target, webhookBody(d), signal));
    if (refused) throw new Error(refused);
  }
}

export function startAlertSender(o: AlertSenderOptions): () => void {
  const smtp = smtpTransport();
  const from = process.env.IOTA_SMTP_FROM ?? "iota-scripts <alerts@localhost>";
  const pool = new DeliveryPool({
    claim: (limit) => o.domain.claimAlerts(limit),
    send: (delivery, signal) => send(o, smtp, from, delivery, signal),
    report: async (report) => (await o.domain.reportAlerts([report]))[0],
    // No release over the internal routes: one left waits out its lease (it is left only when a
    // claim took most of the lease).
    log: (level, event, fields) => o.log[level](event, fields),
  });
  let filling = false;
  let failing = false;
  const timer = setInterval(async () => {
    // Sends already going keep their slots; this claims into the free ones only.
    if (filling) return;
    filling = true;
    try {
      await pool.fill(20);
      if (failing) o.log.info("alert.sender_recovered");
      failing = false;
    } catch (error) {
      // The dispatcher restarting, say: said once, not every second.
      if (!failing) o.log.error("alert.sender_failed", { error: (error as Error).message });
      failing = true;
    } finally {
      filling = false;
    }
  }, o.everyMs ?? 1000);
  return () => clearInterval(timer);
}
