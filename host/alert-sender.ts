// Sends the alert deliveries the dispatcher records: email over SMTP (settings from the host's
// environment) and Slack-compatible webhooks through the same egress policy as scripts.
// Each delivery is leased before it is sent, retried with backoff, and given up after 8 tries.
import type { Client } from "@libsql/client";
import { request } from "node:http";
import nodemailer from "nodemailer";
import type { HostLog } from "./log.ts";

const maxAttempts = 8;

export interface AlertSenderOptions {
  db: Client;
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

/** POSTs a Slack-style `{text}` through the egress proxy, so private addresses stay unreachable. */
function postWebhook(o: AlertSenderOptions, tenantId: string, deliveryId: string, url: string, text: string): Promise<number> {
  const body = JSON.stringify({ text });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: o.egressPort,
        method: "POST",
        path: "/",
        headers: {
          "content-type": "application/json",
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

export function startAlertSender(o: AlertSenderOptions): () => void {
  const smtp = smtpTransport();
  const from = process.env.IOTA_SMTP_FROM ?? "iota-scripts <alerts@localhost>";
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      const now = new Date().toISOString();
      const due = await o.db.execute({
        sql: "SELECT id, tenant_id, channel, target, subject, body, attempts, next_attempt_at FROM alert_deliveries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT 20",
        args: [now],
      });
      for (const row of due.rows) {
        // libSQL rows index by position but are not iterable.
        const [id, tenantId, channel, target, subject, body, attempts, nextAt] = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => row[i]) as [
          string,
          string,
          string,
          string,
          string,
          string,
          number,
          string,
        ];
        const lease = new Date(Date.now() + 60_000).toISOString();
        const claimed = await o.db.execute({
          sql: "UPDATE alert_deliveries SET next_attempt_at = ? WHERE id = ? AND next_attempt_at = ? AND status = 'pending'",
          args: [lease, id, nextAt],
        });
        if (claimed.rowsAffected === 0) continue;
        try {
          if (channel === "email") {
            if (!smtp) throw new Error("no SMTP server is configured (IOTA_SMTP_HOST)");
            await smtp.sendMail({ from, to: target, subject, text: body });
          } else {
            const status = await postWebhook(o, tenantId, id, target, `*${subject}*\n${body}`);
            if (status < 200 || status >= 300) throw new Error(`the webhook answered ${status}`);
          }
          await o.db.execute({
            sql: "UPDATE alert_deliveries SET status = 'sent', attempts = attempts + 1, sent_at = ?, last_error = NULL WHERE id = ?",
            args: [new Date().toISOString(), id],
          });
        } catch (error) {
          const tries = Number(attempts) + 1;
          const giveUp = tries >= maxAttempts;
          const next = new Date(Date.now() + Math.min(2000 * 2 ** (tries - 1), 30 * 60_000)).toISOString();
          await o.db.execute({
            sql: "UPDATE alert_deliveries SET attempts = ?, status = ?, next_attempt_at = ?, last_error = ? WHERE id = ?",
            args: [tries, giveUp ? "failed" : "pending", next, (error as Error).message.slice(0, 500), id],
          });
          o.log.warn("alert.delivery_failed", { id, channel, attempt: tries, gaveUp: giveUp, error: (error as Error).message });
        }
      }
    } catch (error) {
      o.log.error("alert.sender_failed", { error: (error as Error).message });
    } finally {
      busy = false;
    }
  }, o.everyMs ?? 1000);
  return () => clearInterval(timer);
}
