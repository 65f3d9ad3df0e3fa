// Sends the alert deliveries the domain records: email over SMTP (settings from the host's
// environment) and Slack-compatible webhooks through the same egress policy as scripts. The
// domain's outbox decides what to send and records what happened: this sender claims the due
// deliveries (leased to it), sends each, and reports the outcome; retries, backoff and giving up
// after the last attempt are the domain's.
import { request } from "node:http";
import nodemailer from "nodemailer";
import { emailContent, webhookAnswerError, webhookBody, webhookHeaders } from "../protocol/alert-messages.ts";
import type { ClaimedDelivery } from "../protocol/host-domain.ts";
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
  });
}

/** POSTs the webhook's body through the egress proxy, so private addresses stay unreachable. */
function postWebhook(o: AlertSenderOptions, tenantId: string, deliveryId: string, url: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: o.egressPort,
        method: "POST",
        path: "/",
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

async function send(o: AlertSenderOptions, smtp: ReturnType<typeof smtpTransport>, from: string, d: ClaimedDelivery): Promise<void> {
  if (d.channel === "email") {
    if (!smtp) throw new Error("no SMTP server is configured (IOTA_SMTP_HOST)");
    await smtp.sendMail({ from, to: d.target, ...emailContent(d) });
  } else {
    const refused = webhookAnswerError(await postWebhook(o, d.tenantId, d.id, d.target, webhookBody(d)));
    if (refused) throw new Error(refused);
  }
}

export function startAlertSender(o: AlertSenderOptions): () => void {
  const smtp = smtpTransport();
  const from = process.env.IOTA_SMTP_FROM ?? "iota-scripts <alerts@localhost>";
  let busy = false;
  let failing = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      for (const delivery of await o.domain.claimAlerts(20)) {
        let error: string | undefined;
        try {
          await send(o, smtp, from, delivery);
        } catch (e) {
          error = (e as Error).message;
        }
        // Reported one by one as they happen, so a message sent is recorded as sent even if a
        // later one hangs until its lease runs out.
        const [recorded] = await o.domain.reportAlerts([{ id: delivery.id, lease: delivery.lease, error }]);
        if (error !== undefined)
          o.log.warn("alert.delivery_failed", {
            id: delivery.id,
            channel: delivery.channel,
            attempt: recorded?.attempts ?? delivery.attempts + 1,
            gaveUp: recorded?.status === "failed",
            error,
          });
        if (recorded && !recorded.recorded) o.log.warn("alert.lease_lost", { id: delivery.id });
      }
      if (failing) o.log.info("alert.sender_recovered");
      failing = false;
    } catch (error) {
      // The dispatcher restarting, say: said once, not every second.
      if (!failing) o.log.error("alert.sender_failed", { error: (error as Error).message });
      failing = true;
    } finally {
      busy = false;
    }
  }, o.everyMs ?? 1000);
  return () => clearInterval(timer);
}
