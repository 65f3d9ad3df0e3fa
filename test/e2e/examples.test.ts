// The example scripts in examples/, end to end: each file is read from disk as a user would paste
// it, saved through the management API with the settings its comments ask for, started the real
// way (manual run, signed webhook, published event, async run, embedded call), and judged by what
// a user cares about: outputs, records created, requests the outside world received, history.
import { createHmac } from "node:crypto";
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createIotaClient, IotaError } from "../../client/index.ts";
import { startRecordingServer, type Recorded } from "../support/recording-server.ts";
import { System } from "../support/system.ts";
import { readSse, type SseEvent } from "../support/sse.ts";

let system: System;
let outside: Awaited<ReturnType<typeof startRecordingServer>>;
let acme: { slug: string; token: string };

/** How the fixture server answers each path; tests change it to make the outside world fail. */
const answers: Record<string, (r: Recorded) => { status?: number; body?: unknown }> = {};

beforeAll(async () => {
  outside = await startRecordingServer((r) => answers[r.url.split("?")[0]!]?.(r) ?? { status: 404, body: { error: "no such fixture" } });
  system = await System.start({ env: { IOTA_EGRESS_ALLOW: `127.0.0.1:${outside.port}` } });
  acme = await system.tenant("acme");
});
afterAll(async () => {
  await system?.destroy();
  await outside?.close();
});

const example = (file: string) => readFile(new URL(`../../examples/${file}`, import.meta.url), "utf8");
const api = (method: string, path: string, body?: unknown) => system.api(method, path, body, { token: acme.token });
const requestsTo = (path: string) => outside.requests.filter((r) => r.url === path);

async function setSecret(name: string, value: string) {
  const r = await api("PUT", `/admin/api/secrets/${name}`, { value });
  expect(r.status).toBe(200);
}

/** Runs a throwaway manual script of the tenant: how the tests seed and read business data. */
async function runCode(code: string, input: unknown = null) {
  const id = await system.script({ name: `helper-${Math.random().toString(36).slice(2, 9)}`, code }, acme.token);
  const r = await system.run(id, input, acme.token);
  expect(r.status).toBe(200);
  expect(r.body.status, JSON.stringify(r.body.error)).toBe("succeeded");
  return r.body.output;
}

async function waitFor<T>(what: () => Promise<T>, done: (v: T) => boolean, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await what();
    if (done(v) || Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Reads an execution's server-sent events until the server ends the stream. */
async function readStream(path: string): Promise<SseEvent[]> {
  const response = await fetch(`${system.baseUrl}${path}`, { headers: { authorization: `Bearer ${acme.token}` } });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("text/event-stream");
  return readSse(response);
}

/** RFC 4180, enough to read back what the export wrote. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      row.push(field);
      field = "";
    } else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      i++;
    } else field += ch;
  }
  if (field || row.length) throw new Error(`the CSV does not end with CRLF: ${JSON.stringify(text.slice(-40))}`);
  return rows;
}

describe("nightly CSV export of transactions", () => {
  test("sends the previous day's transactions, paged and quoted, to the endpoint in the secrets; fails loudly on an error answer", async () => {
    let exportStatus = 200;
    answers["/erp/imports"] = () => ({ status: exportStatus, body: exportStatus === 200 ? { accepted: true } : { error: "import queue is full" } });
    await setSecret("EXPORT_URL", `http://127.0.0.1:${outside.port}/erp/imports`);
    await setSecret("EXPORT_TOKEN", "erp_token_123");

    const seeded = await runCode(
      `export default async (days, ctx) => {
      const made = [];
      for (const [date, comment, amount] of days) made.push(await ctx.sdk.transactions.create({ type: "deposit", amount, currency: "EUR", transactionDate: date, ...(comment === null ? {} : { comment }) }));
      return made.map((t) => ({ id: t.id, date: t.transactionDate }));
    }`,
      [
        ["2026-03-03", "the day before: not exported", 1],
        ["2026-03-04", "plain", 10],
        ["2026-03-04", "rent, March", 1250.5],
        ["2026-03-04", 'the "big" client', -20],
        ["2026-03-04", "two\nlines", 0.99],
        ["2026-03-04", null, 7],
        ["2026-03-05", "the day after: not exported", 2],
      ],
    );
    const expectedIds = seeded
      .filter((t: { date: string }) => t.date === "2026-03-04")
      .map((t: { id: string }) => t.id)
      .sort();

    const id = await system.script(
      {
        name: "nightly-transactions-export",
        kind: "scheduled",
        cron: "0 2 * * *",
        timezone: "Europe/Berlin",
        timeoutMs: 120_000,
        code: await example("nightly-transactions-export.js"),
      },
      acme.token,
    );
    const schedule = await api("GET", `/admin/api/scripts/${id}/schedule`);
    expect(schedule.body).toMatchObject({ cron: "0 2 * * *", timezone: "Europe/Berlin", enabled: true });
    for (const next of schedule.body.next) expect(next.at).toMatch(/^\d{4}-\d\d-\d\dT02:00:00\+0[12]:00$/);

    // What the scheduler would pass at 02:00 on 5 March; a small page size to make it page.
    const run = await system.run(id, { scheduledFor: "2026-03-05T02:00:00+01:00", pageSize: 2 }, acme.token);
    expect(run.body.status, JSON.stringify(run.body.error)).toBe("succeeded");
    expect(run.body.output).toMatchObject({ date: "2026-03-04", transactions: 5, pages: 3, status: 200 });

    const received = requestsTo("/erp/imports");
    expect(received).toHaveLength(1);
    expect(received[0]!.method).toBe("POST");
    expect(received[0]!.headers).toMatchObject({
      authorization: "Bearer erp_token_123",
      "content-type": "text/csv; charset=utf-8",
      "idempotency-key": "transactions-2026-03-04",
    });
    const [header, ...rows] = parseCsv(received[0]!.body);
    expect(header).toEqual([
      "id",
      "transactionDate",
      "type",
      "amount",
      "currency",
      "originAccountId",
      "destinationAccountId",
      "accountingPeriod",
      "comment",
      "createdAt",
    ]);
    expect(rows.map((r) => r[0]).sort()).toEqual(expectedIds);
    expect(rows.every((r) => r.length === header!.length && r[1] === "2026-03-04" && r[2] === "deposit" && r[4] === "EUR" && r[7] === "2026-03")).toBe(true);
    expect(rows.map((r) => [r[3], r[8]]).sort()).toEqual(
      [
        ["-20", 'the "big" client'],
        ["0.99", "two\nlines"],
        ["10", "plain"],
        ["1250.5", "rent, March"],
        ["7", ""],
      ].sort(),
    );
    expect(received[0]!.body).toContain('"rent, March"');
    expect(received[0]!.body).toContain('"the ""big"" client"');
    expect(run.body.outbound).toEqual([expect.objectContaining({ method: "POST", status: 200 })]);
    expect(JSON.stringify(run.body.logs)).not.toContain("erp_token_123");

    // Run by hand with no input: yesterday in the script's zone (an empty day here).
    const berlinToday = new Intl.DateTimeFormat("en-CA", { timeZone: "Europe/Berlin" }).format(new Date());
    const yesterday = new Date(Date.parse(`${berlinToday}T12:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    const byHand = await system.run(id, null, acme.token);
    expect(byHand.body.output).toMatchObject({ date: yesterday, transactions: 0, pages: 1 });
    expect(parseCsv(requestsTo("/erp/imports")[1]!.body)).toHaveLength(1);

    // The endpoint refuses: the execution fails and says why.
    exportStatus = 503;
    const failed = await system.run(id, { date: "2026-03-04" }, acme.token);
    expect(failed.body.status).toBe("failed");
    expect(failed.body.error.message).toContain("the export endpoint answered 503 for 2026-03-04");
    expect(failed.body.error.message).toContain("import queue is full");
    expect(requestsTo("/erp/imports")).toHaveLength(3);
  });
});

describe("sign-up webhook that creates a client", () => {
  const secret = "whsec_signup_7f3a";
  const sign = (body: string) => createHmac("sha256", secret).update(body).digest("hex");
  const post = (body: string, signature = sign(body)) =>
    fetch(`${system.baseUrl}/api/tenants/acme/scripts/webhooks/signup`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-signature": signature },
      body,
    });

  test("a signed, valid sign-up creates the client once; bad payloads are 422 naming the field; a bad signature is 401", async () => {
    await setSecret("SIGNUP_WEBHOOK_SECRET", secret);
    const id = await system.script(
      {
        name: "signup-webhook",
        kind: "http",
        path: "/webhooks/signup",
        methods: ["POST"],
        access: "hmac",
        hmacSecret: "SIGNUP_WEBHOOK_SECRET",
        code: await example("signup-webhook.js"),
      },
      acme.token,
    );

    const signup = JSON.stringify({ firstName: "Ada", lastName: "Lovelace", email: "Ada@Example.com", phone: "+44 20 7946 0000", source: "pricing-page" });
    const created = await post(signup);
    expect(created.status).toBe(201);
    const { id: clientId, created: isNew } = await created.json();
    expect(isNew).toBe(true);
    expect(clientId).toMatch(/^\w+/);

    const stored = await runCode(`export default async (email, ctx) => (await ctx.sdk.clients.list({ where: { email } })).items`, "ada@example.com");
    expect(stored).toEqual([
      expect.objectContaining({
        id: clientId,
        firstName: "Ada",
        lastName: "Lovelace",
        email: "ada@example.com",
        phone: "+44 20 7946 0000",
        comments: "Signed up through the website (pricing-page)",
      }),
    ]);

    // The sender retries (or the person signs up twice): the same client, not a second one.
    const repeat = await post(JSON.stringify({ firstName: "Ada", email: "ada@example.com" }));
    expect(repeat.status).toBe(200);
    expect(await repeat.json()).toEqual({ id: clientId, created: false });

    for (const [payload, field] of [
      [{ firstName: "No", lastName: "Email" }, "email"],
      [{ firstName: "Bad", email: "not-an-email" }, "email"],
      [{ firstName: 42, email: "x@example.com" }, "firstName"],
      [{ firstName: "  ", email: "x@example.com" }, "firstName"],
      [{ firstName: "Pho", email: "p@example.com", phone: "call me" }, "phone"],
    ] as const) {
      const r = await post(JSON.stringify(payload));
      expect(r.status, JSON.stringify(payload)).toBe(422);
      const body = await r.json();
      expect(body.error).toMatchObject({ code: "VALIDATION_FAILED", field, message: expect.stringContaining(field) });
    }
    const notJson = await post("firstName=Ada");
    expect(notJson.status).toBe(400);
    expect((await notJson.json()).error.code).toBe("BAD_JSON");

    const forged = await post(JSON.stringify({ firstName: "Mallory", email: "m@evil.test" }), sign("something else"));
    expect(forged.status).toBe(401);
    const unsigned = await fetch(`${system.baseUrl}/api/tenants/acme/scripts/webhooks/signup`, {
      method: "POST",
      body: JSON.stringify({ firstName: "Mallory", email: "m@evil.test" }),
    });
    expect(unsigned.status).toBe(401);
    expect(await runCode(`export default async (email, ctx) => (await ctx.sdk.clients.list({ where: { email } })).items.length`, "m@evil.test")).toBe(0);

    // History: one http execution per signed call (the refused ones never ran), newest first.
    const history = (await api("GET", `/admin/api/executions?scriptId=${id}`)).body.items;
    expect(history).toHaveLength(8);
    expect(history.every((e: { trigger: string; status: string }) => e.trigger === "http" && e.status === "succeeded")).toBe(true);
    const first = await api("GET", `/admin/api/executions/${history.at(-1).id}`);
    expect(first.body.logs.map((l: { message: string }) => l.message)).toEqual([`sign-up for ada@example.com: created client ${clientId}`]);
  });
});

describe("payment.processed → receipt email", () => {
  test("emails the client through the email API; a 502 is retried about 2 s later; a second event for the payment sends nothing", async () => {
    let emailCalls = 0;
    answers["/email/send"] = () =>
      ++emailCalls === 1 ? { status: 502, body: { error: "upstream unavailable" } } : { status: 200, body: { id: `msg_${emailCalls}` } };
    await setSecret("EMAIL_API_URL", `http://127.0.0.1:${outside.port}/email/send`);
    await setSecret("EMAIL_API_KEY", "email_key_456");
    const id = await system.script(
      { name: "payment-receipt-email", kind: "event", events: ["payment.processed"], maxAttempts: 5, code: await example("payment-receipt-email.js") },
      acme.token,
    );

    const { client, payment } = await runCode(`export default async (i, ctx) => ({
      client: await ctx.sdk.clients.create({ firstName: "Grace", lastName: "Hopper", email: "grace@example.com" }),
      payment: await ctx.sdk.payments.create({ amount: 1250.5, currency: "EUR", transactionDate: "2026-03-04", comment: "INV-2026-031", counterparty: "Grace Hopper" }),
    })`);

    const published = await api("POST", "/api/events", { id: "pay-evt-1", type: "payment.processed", payload: { paymentId: payment.id, clientId: client.id } });
    expect(published.status).toBe(202);
    expect(published.body.deliveries).toBe(1);

    const attempts = await waitFor(
      async () =>
        (
          (await api("GET", `/admin/api/executions?scriptId=${id}`)).body.items as {
            id: string;
            attempt: number;
            status: string;
            startedAt: string;
            finishedAt: string;
          }[]
        )
          .slice()
          .reverse(),
      (items) => items.some((e) => e.status === "succeeded"),
    );
    expect(attempts.map((a) => [a.attempt, a.status])).toEqual([
      [1, "failed"],
      [2, "succeeded"],
    ]);
    expect(Date.parse(attempts[1]!.startedAt) - Date.parse(attempts[0]!.finishedAt)).toBeGreaterThanOrEqual(1500);
    const failed = await api("GET", `/admin/api/executions/${attempts[0]!.id}`);
    expect(failed.body.error.message).toContain("the email API answered 502");
    const done = await api("GET", `/admin/api/executions/${attempts[1]!.id}`);
    expect(done.body).toMatchObject({
      trigger: "event",
      attempt: 2,
      output: { paymentId: payment.id, sentTo: "grace@example.com", messageId: "msg_2", attempt: 2 },
    });

    const sent = requestsTo("/email/send");
    expect(sent).toHaveLength(2);
    for (const r of sent) {
      expect(r.headers).toMatchObject({ authorization: "Bearer email_key_456", "idempotency-key": `receipt-${payment.id}` });
      const email = JSON.parse(r.body);
      expect(email).toMatchObject({ from: "Acme Billing <billing@acme.example>", to: "grace@example.com", subject: "Your receipt: €1,250.50 received" });
      expect(email.text).toContain("Hello Grace Hopper,");
      expect(email.text).toContain("we received your payment of €1,250.50 on 2026-03-04.");
      expect(email.text).toContain("Reference: INV-2026-031");
    }

    // Another event about the same payment (a re-publish with a new id): remembered, not re-sent.
    await api("POST", "/api/events", { id: "pay-evt-1-again", type: "payment.processed", payload: { paymentId: payment.id, clientId: client.id } });
    const again = await waitFor(
      async () => (await api("GET", `/admin/api/executions?scriptId=${id}`)).body.items as { id: string; status: string }[],
      (items) => items.length === 3 && items[0]!.status === "succeeded",
    );
    expect(again).toHaveLength(3);
    expect((await api("GET", `/admin/api/executions/${again[0]!.id}`)).body.output).toEqual({ paymentId: payment.id, alreadySent: true, messageId: "msg_2" });
    expect(requestsTo("/email/send")).toHaveLength(2);
  });
});

describe("one-off import of legacy clients", () => {
  test("an async run reports progress to 100 and imports, skips duplicates by email and lists bad rows; a dry run and a re-run change nothing", async () => {
    await runCode(`export default (i, ctx) => ctx.sdk.clients.create({ firstName: "Existing", lastName: "Person", email: "existing@legacy.test" })`);
    // Enough people that the import outlasts a few of the live stream's 200 ms polls, however
    // fast the machine: the stream must show progress rising, not only where it ended.
    const people = 400;
    const total = 9 + people;
    const done = `${total} of ${total} rows: ${people + 2} imported, 2 skipped, 5 errors`;
    const rows: unknown[] = [
      `"Lovelace, Ada",ADA@LEGACY.TEST,+44 20 7946 0000,"12 St James's Square, London",VIP`,
      { full_name: "Grace Brewster Hopper", email: "grace@legacy.test", phone: "", address: "Arlington", notes: "" },
      "Existing Person,existing@legacy.test,,,",
      "Ada Again,ada@legacy.test,,,",
      "Bad Email,not-an-email,,,",
      ",nobody@legacy.test,,,",
      "No Mail,,,,",
      { full_name: "Long Phone", email: "long@legacy.test", phone: "1".repeat(40) },
      "Too,many,fields,in,this,row",
      ...Array.from({ length: people }, (_, i) => `Person ${i + 1},person${i + 1}@legacy.test,+1 555 01${String(i).padStart(2, "0")},,`),
    ];
    const id = await system.script(
      { name: "legacy-clients-import", kind: "manual", timeoutMs: 900_000, code: await example("legacy-clients-import.js") },
      acme.token,
    );
    const countImported = () =>
      runCode(
        `export default async (i, ctx) => { let n = 0, cursor; do { const p = await ctx.sdk.clients.list({ limit: 500, ...(cursor ? { cursor } : {}) }); n += p.items.filter((c) => c.email?.endsWith("@legacy.test")).length; cursor = p.nextCursor; } while (cursor); return n; }`,
      );

    const dry = await system.run(id, { rows, dryRun: true }, acme.token);
    // A dry run cannot know the platform refuses row 8's phone: that only shows on a real create.
    expect(dry.body.output).toMatchObject({ imported: people + 3, skipped: 2, total, dryRun: true });
    expect(dry.body.output.errors.map((e: { row: number }) => e.row)).toEqual([5, 6, 7, 9]);
    expect(await countImported()).toBe(1);

    const started = await api("POST", `/admin/api/scripts/${id}/runs`, { input: { rows }, mode: "async" });
    expect(started.status).toBe(202);
    const events = await readStream(`/admin/api/executions/${started.body.id}/stream`);
    const progress = events.filter((e) => e.event === "progress").map((e) => e.data);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.map((p) => p.percent)).toEqual([...progress.map((p) => p.percent)].sort((a, b) => a - b));
    expect(progress.at(-1)).toEqual({ percent: 100, message: done });
    const end = events.at(-1)!;
    expect(end.event).toBe("end");
    expect(end.data).toMatchObject({ status: "succeeded", trigger: "manual", progress: { percent: 100 } });
    expect(end.data.output).toEqual({
      imported: people + 2,
      skipped: 2,
      total,
      dryRun: false,
      errors: [
        { row: 5, message: 'email "not-an-email" is not an email address' },
        { row: 6, message: "full_name is empty" },
        { row: 7, message: 'no email for "No Mail": cannot tell whether it is already imported' },
        { row: 8, email: "long@legacy.test", message: "clients.phone must be at most 32 characters" },
        { row: 9, message: "6 fields, expected at most 5 (full_name, email, phone, address, notes)" },
      ],
    });
    expect(await countImported()).toBe(people + 3);
    const ada = await runCode(`export default async (i, ctx) => (await ctx.sdk.clients.list({ where: { email: "ada@legacy.test" } })).items`);
    expect(ada).toEqual([
      expect.objectContaining({
        firstName: "Ada",
        lastName: "Lovelace",
        phone: "+44 20 7946 0000",
        address: "12 St James's Square, London",
        comments: "Imported from the legacy CRM: VIP",
      }),
    ]);
    const grace = await runCode(`export default async (i, ctx) => (await ctx.sdk.clients.list({ where: { email: "grace@legacy.test" } })).items[0]`);
    expect(grace).toMatchObject({ firstName: "Grace", lastName: "Brewster Hopper", phone: null });

    const stored = await api("GET", `/admin/api/executions/${started.body.id}`);
    expect(stored.body.progress).toEqual({ percent: 100, message: done });

    // Running it again (say, after fixing the bad rows elsewhere) creates no duplicates.
    const again = await system.run(id, { rows }, acme.token);
    expect(again.body.output).toMatchObject({ imported: 0, skipped: people + 4 });
    expect(again.body.output.errors).toHaveLength(5);
    expect(await countImported()).toBe(people + 3);
  });
});

describe("pricing rule as an embedded script", () => {
  test("a service prices orders through the typed client, with tier and volume discounts and a price list from kv", async () => {
    await system.script({ name: "pricing-rule", kind: "embedded", timeoutMs: 2000, code: await example("pricing-rule.js") }, acme.token);
    const iota = createIotaClient({ baseUrl: system.baseUrl, token: acme.token });

    // The built-in price list.
    const plain = await iota.invoke("pricing-rule", { sku: "WIDGET-S", qty: 3 });
    expect(plain.value).toEqual({
      sku: "WIDGET-S",
      qty: 3,
      currency: "EUR",
      unitPrice: 10,
      subtotal: 30,
      discountRate: 0,
      discount: 0,
      total: 30,
      rules: [],
      priceList: "built-in",
    });
    const gold = await iota.invoke("pricing-rule", { sku: "gadget-pro", qty: 12, customerTier: "gold" });
    expect(gold.value).toMatchObject({
      sku: "GADGET-PRO",
      unitPrice: 199.99,
      subtotal: 2399.88,
      discountRate: 0.15,
      discount: 359.98,
      total: 2039.9,
      rules: ["volume 5% (10+)", "gold customer 10%"],
    });
    const record = await api("GET", `/admin/api/executions/${gold.executionId}`);
    expect(record.body).toMatchObject({ trigger: "embedded", status: "succeeded", input: { sku: "gadget-pro", qty: 12, customerTier: "gold" } });
    expect(record.body.logs.map((l: { message: string }) => l.message)).toEqual([
      "GADGET-PRO × 12 (gold): 2039.9 EUR after volume 5% (10+), gold customer 10%",
    ]);

    // Finance stores its own price list; the next call uses it, no new version of the script.
    await runCode(`export default (list, ctx) => ctx.kv.put("pricing:price-list", list)`, {
      currency: "USD",
      prices: { "WIDGET-S": 9.99 },
      tierDiscounts: { standard: 0, gold: 0.15, platinum: 0.18 },
    });
    const big = await iota.invoke("pricing-rule", { sku: "WIDGET-S", qty: 150, customerTier: "platinum" });
    expect(big.value).toEqual({
      sku: "WIDGET-S",
      qty: 150,
      currency: "USD",
      unitPrice: 9.99,
      subtotal: 1498.5,
      discountRate: 0.2,
      discount: 299.7,
      total: 1198.8,
      rules: ["volume 12% (100+)", "platinum customer 18%", "capped at 20%"],
      priceList: "stored",
    });

    // Requests it cannot price come back as values the service can act on.
    expect((await iota.invoke("pricing-rule", { sku: "GADGET-PRO", qty: 1 })).value).toEqual({
      error: { code: "UNKNOWN_SKU", field: "sku", message: "no price for GADGET-PRO" },
    });
    expect((await iota.invoke("pricing-rule", { sku: "WIDGET-S", qty: 0 })).value).toMatchObject({ error: { code: "INVALID_INPUT", field: "qty" } });
    expect((await iota.invoke("pricing-rule", { sku: "WIDGET-S", qty: 1, customerTier: "silver" })).value).toEqual({
      error: { code: "INVALID_INPUT", field: "customerTier", message: "customerTier must be one of: standard, gold, platinum" },
    });

    // A caller without a valid token gets a typed error, not a price.
    const refused = await createIotaClient({ baseUrl: system.baseUrl, token: "iota_not_a_token" })
      .invoke("pricing-rule", { sku: "WIDGET-S", qty: 1 })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(IotaError);
    expect(refused).toMatchObject({ status: 401 });
  });
});
