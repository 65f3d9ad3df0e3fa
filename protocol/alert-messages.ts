// What an alert delivery becomes on the wire, for both senders (the host's locally, the tick's
// on Cloudflare), so a receiver sees the same message from either build. The domain writes each
// delivery's subject and body into the outbox; this decides how they are sent.
import type { ClaimedDelivery } from "./host-domain.ts";

type Message = Pick<ClaimedDelivery, "subject" | "body">;

/** A webhook's JSON body: Slack's and Mattermost's `{text}`, the subject in bold, readable by any JSON receiver. */
export function webhookBody(delivery: Message): string {
  return JSON.stringify({ text: `*${delivery.subject}*\n${delivery.body}` });
}

export const webhookHeaders = { "content-type": "application/json" } as const;

/** Why a webhook's answer is not an acceptance (recorded as the attempt's error); undefined for a 2xx. */
export function webhookAnswerError(status: number): string | undefined {
  return status >= 200 && status < 300 ? undefined : `the webhook answered ${status}`;
}

/** An email's subject and plain text. */
export function emailContent(delivery: Message): { subject: string; text: string } {
  return { subject: delivery.subject, text: delivery.body };
}
