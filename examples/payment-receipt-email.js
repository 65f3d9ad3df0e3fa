// Payment receipt by email
// ========================
// When a payment is processed, this script emails the client a receipt through an email-sending
// HTTP API (Postmark, SendGrid, Mailgun, Resend… all take a POST with to/subject/body; adjust
// the request in sendEmail() to your provider's fields).
//
// Settings:
//   kind:        event
//   events:      ["payment.processed"]
//   maxAttempts: 5        (the default) a failed delivery is retried after about 2 s, 4 s, 8 s…
//                         then dead-lettered, where you can replay it from the admin
//
// Secrets:
//   EMAIL_API_URL  the provider's "send" endpoint, e.g. https://api.postmarkapp.com/email
//   EMAIL_API_KEY  sent as "Authorization: Bearer <key>"
// The provider's host must be allowed by your tenant's egress policy.
//
// The event, as your payment service publishes it (POST /api/events or iota.publishEvent):
//   { "id": "pay-evt-123", "type": "payment.processed",
//     "payload": { "paymentId": "paym_…", "clientId": "clie_…" } }
// The payment (amount, currency, date) and the client (name, email) are read through ctx.sdk;
// the payload may also carry "email", "amount" and "currency" directly.
//
// Failures: any error (the email API down, answering 5xx or 429, a network error) is thrown, so
// the platform retries the delivery. A receipt that was sent is remembered per payment in
// ctx.kv, so a retry or a second event for the same payment does not email twice; the
// Idempotency-Key header (one per payment) lets the provider drop a repeat that slips through,
// e.g. when the email went out but the answer was lost.

const FROM = "Acme Billing <billing@acme.example>";
/** How long to remember that a payment's receipt was sent. */
const REMEMBER_SECONDS = 90 * 24 * 3600;

export default async function (event, ctx) {
  const payload = event.payload ?? {};
  const paymentId = payload.paymentId;
  if (!paymentId) throw new Error(`event ${event.id}: payload.paymentId is missing`);

  const sentKey = `receipt-sent:${paymentId}`;
  const already = await ctx.kv.get(sentKey);
  if (already) {
    ctx.log.info(`receipt for ${paymentId} was already sent (message ${already.messageId}); nothing to do`);
    return { paymentId, alreadySent: true, messageId: already.messageId };
  }

  const payment = await ctx.sdk.payments.get(paymentId);
  const client = payload.clientId ? await ctx.sdk.clients.get(payload.clientId) : null;
  const to = payload.email ?? client?.email;
  if (!to) {
    // Retrying cannot invent an address: succeed with a warning instead of failing five times.
    ctx.log.warn(`no email address for payment ${paymentId} (client ${payload.clientId ?? "unknown"}); no receipt sent`);
    return { paymentId, skipped: "no email address" };
  }
  const amount = payment?.amount ?? payload.amount;
  const currency = payment?.currency ?? payload.currency;
  if (amount === undefined || !currency) throw new Error(`payment ${paymentId} not found and the event carries no amount`);

  const name = client ? [client.firstName, client.lastName].filter(Boolean).join(" ") : "there";
  const money = new Intl.NumberFormat("en-US", { style: "currency", currency }).format(amount);
  const date = payment?.transactionDate ?? event.occurredAt?.slice(0, 10);
  const message = {
    from: FROM,
    to,
    subject: `Your receipt: ${money} received`,
    text: [
      `Hello ${name},`,
      "",
      `we received your payment of ${money}${date ? ` on ${date}` : ""}.`,
      payment?.comment ? `Reference: ${payment.comment}` : null,
      `Receipt number: ${paymentId}`,
      "",
      "Thank you!",
      "Acme Billing",
    ]
      .filter((line) => line !== null)
      .join("\n"),
  };

  const messageId = await sendEmail(ctx, message, `receipt-${paymentId}`);
  await ctx.kv.put(sentKey, { messageId, sentAt: new Date().toISOString(), eventId: event.id }, { ttlSeconds: REMEMBER_SECONDS });
  ctx.log.info(`receipt for ${paymentId} sent to ${to} (attempt ${ctx.attempt}, message ${messageId})`);
  return { paymentId, sentTo: to, messageId, attempt: ctx.attempt };
}

/** POSTs the email; throws (so the platform retries) on anything but a 2xx answer. */
async function sendEmail(ctx, message, idempotencyKey) {
  const url = await ctx.secrets.get("EMAIL_API_URL");
  const key = await ctx.secrets.get("EMAIL_API_KEY");
  if (!url || !key) throw new Error("set the secrets EMAIL_API_URL and EMAIL_API_KEY");
  const response = await fetch(url, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json", "idempotency-key": idempotencyKey },
    body: JSON.stringify(message),
    signal: ctx.signal,
  });
  const answer = await response.text();
  if (!response.ok) throw new Error(`the email API answered ${response.status}: ${answer.slice(0, 300)}`);
  let parsed = null;
  try {
    parsed = JSON.parse(answer);
  } catch {
    // some providers answer plain text; the id is then unknown
  }
  return parsed?.id ?? parsed?.MessageID ?? parsed?.messageId ?? null;
}
