// The API the admin's daily-use screens stand on: dead letters that show their event and replay
// it edited, a usage report per tenant, endpoints two scripts cannot both claim, HMAC refusals
// that say which, alert links and webhooks checked at save, time zones stored canonical.
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { waitFor } from "../support/gates.ts";
import { startRecordingServer } from "../support/recording-server.ts";
import { System } from "../support/system.ts";

let system: System;
let hooks: Awaited<ReturnType<typeof startRecordingServer>>;

beforeAll(async () => {
  hooks = await startRecordingServer();
  system = await System.start({ env: { IOTA_EGRESS_ALLOW: `127.0.0.1:${hooks.port}` } });
});
afterAll(async () => {
  await system?.destroy();
  await hooks?.close();
});

const deadLetters = async (token: string) => (await system.api("GET", "/admin/api/dead-letters", undefined, { token })).body.items as Record<string, any>[];

describe("dead letters", () => {
  test("show their event's id, type, time and payload with the last error, and replay it as it was or edited", async () => {
    const t = await system.tenant("letters");
    const id = await system.script(
      {
        name: "needs-qty",
        kind: "event",
        events: ["order.placed"],
        maxAttempts: 1,
        code: "export default (e) => { if (!e.payload.qty) throw new Error('qty must be positive'); return e.payload.qty * 10; }",
      },
      t.token,
    );
    const occurredAt = "2026-11-24T09:30:00.000Z";
    expect(
      (await system.api("POST", "/api/events", { id: "ord-1", type: "order.placed", payload: { qty: 0, sku: "A-1" }, occurredAt }, { token: t.token })).status,
    ).toBe(202);
    const [letter] = await waitFor(
      () => deadLetters(t.token),
      (items) => items.length === 1,
    );
    expect(letter).toMatchObject({
      scriptId: id,
      eventId: "ord-1",
      eventType: "order.placed",
      occurredAt,
      payload: { qty: 0, sku: "A-1" },
      payloadBytes: JSON.stringify({ qty: 0, sku: "A-1" }).length,
      attempts: 1,
      errorCode: "SCRIPT_ERROR",
      errorMessage: "Error: qty must be positive",
    });
    expect((await system.api("GET", `/admin/api/dead-letters/${letter!.id}`, undefined, { token: t.token })).body).toEqual(letter);

    const edited = await system.api("POST", `/admin/api/dead-letters/${letter!.id}/replay`, { payload: { qty: 2, sku: "A-1" } }, { token: t.token });
    expect(edited.status).toBe(202);
    expect(edited.body).toMatchObject({ id: letter!.id, edited: true });
    const fixed = await system.waitForExecution(edited.body.executionId, 20_000, t.token);
    expect(fixed).toMatchObject({
      status: "succeeded",
      output: 20,
      trigger: "event",
      input: { id: "ord-1", type: "order.placed", occurredAt, payload: { qty: 2, sku: "A-1" } },
    });

    // No body: the event as it was, as before.
    const asItWas = await system.api("POST", `/admin/api/dead-letters/${letter!.id}/replay`, undefined, { token: t.token });
    expect(asItWas.status).toBe(202);
    expect(asItWas.body.edited).toBe(false);
    expect((await system.waitForExecution(asItWas.body.executionId, 20_000, t.token)).input.payload).toEqual({ qty: 0, sku: "A-1" });
  });

  test("an edited payload is checked like a published one; a payload too big to list is read one by one", async () => {
    const t = await system.tenant("letters-big");
    await system.script(
      { name: "always-fails", kind: "event", events: ["blob.saved"], maxAttempts: 1, code: "export default () => { throw new Error('no'); }" },
      t.token,
    );
    const blob = "x".repeat(70 * 1024);
    await system.api("POST", "/api/events", { id: "blob-1", type: "blob.saved", payload: { blob } }, { token: t.token });
    const [letter] = await waitFor(
      () => deadLetters(t.token),
      (items) => items.length === 1,
    );
    expect(letter).toMatchObject({ eventId: "blob-1", payload: null, payloadBytes: JSON.stringify({ blob }).length });
    expect((await system.api("GET", `/admin/api/dead-letters/${letter!.id}`, undefined, { token: t.token })).body.payload).toEqual({ blob });

    const tooBig = await system.api("POST", `/admin/api/dead-letters/${letter!.id}/replay`, { payload: "y".repeat(1024 * 1024) }, { token: t.token });
    expect([tooBig.status, tooBig.body.error.field]).toEqual([422, "payload"]);
    const typo = await system.api("POST", `/admin/api/dead-letters/${letter!.id}/replay`, { paylod: {} }, { token: t.token });
    expect([typo.status, typo.body.error.field]).toEqual([422, "paylod"]);
    expect((await deadLetters(t.token))[0]!.replayedAt).toBeNull();
  });
});

describe("the usage report", () => {
  test("any role reads its own tenant's runs per day and month by status, durations, and where it stands now", async () => {
    const t = await system.tenant("usage-a");
    const viewer = (await system.api("POST", "/admin/api/tokens", { name: "usage-a-viewer", role: "viewer", tenant: t.slug })).body.token as string;
    const ok = await system.script({ name: "ok", code: "export default (n) => n" }, t.token);
    const bad = await system.script({ name: "bad", code: "export default () => { throw new Error('no'); }" }, t.token);
    for (const n of [1, 2, 3]) expect((await system.run(ok, n, t.token)).body.status).toBe("succeeded");
    expect((await system.run(bad, null, t.token)).body.status).toBe("failed");

    const r = await system.api("GET", "/admin/api/usage/report?days=7", undefined, { token: viewer });
    expect(r.status).toBe(200);
    const today = new Date().toISOString().slice(0, 10);
    expect(r.body.until).toBe(today);
    expect(r.body.tenants).toHaveLength(1);
    const [report] = r.body.tenants;
    expect(report.tenant).toMatchObject({ slug: "usage-a", name: "usage-a inc." });
    expect(report.days).toHaveLength(7);
    expect(report.days[0].period).toBe(r.body.since);
    const day = report.days.at(-1);
    expect(day).toMatchObject({ period: today, runs: 4, counts: { succeeded: 3, failed: 1 } });
    expect(report.days.slice(0, -1).every((d: { runs: number }) => d.runs === 0)).toBe(true);
    expect(report.months.at(-1)).toMatchObject({ period: today.slice(0, 7), runs: 4, counts: { succeeded: 3, failed: 1 } });
    expect(report.total).toMatchObject({ period: `${r.body.since}/${today}`, runs: 4 });

    // Durations as the history records them: the sum, and the percentiles picked as the stats do.
    const durations = ((await system.api("GET", "/admin/api/executions", undefined, { token: t.token })).body.items as { durationMs: number }[])
      .map((e) => e.durationMs)
      .sort((a, b) => a - b);
    const pick = (p: number) => durations[Math.min(durations.length - 1, Math.floor(p * durations.length))];
    expect(day.durationMs).toEqual({ sum: durations.reduce((a, b) => a + b, 0), p50: pick(0.5), p95: pick(0.95) });
    expect(report.total.durationMs).toEqual(day.durationMs);
    expect(report.now).toMatchObject({ running: 0, queued: 0, limit: 10, queuedBytes: 0, budgets: { maxQueued: 10_000 } });
    expect(report.now.historyBytesToday).toBeGreaterThan(0);

    expect((await system.api("GET", "/admin/api/usage/report?all=true", undefined, { token: viewer })).status).toBe(403);
    expect((await system.api("GET", "/admin/api/usage/report?tenant=default", undefined, { token: viewer })).status).toBe(403);
    expect((await system.api("GET", "/admin/api/usage/report?tenant=usage-a", undefined, { token: viewer })).status).toBe(200);
    expect((await system.api("GET", "/admin/api/usage/report?days=400", undefined, { token: viewer })).body.error.field).toBe("days");
  });

  test("a platform admin reads another tenant's, or every tenant's", async () => {
    const t = await system.tenant("usage-b");
    await system.run(await system.script({ name: "one", code: "export default () => 1" }, t.token), null, t.token);
    const one = await system.api("GET", "/admin/api/usage/report?tenant=usage-b&days=1");
    expect(one.body.tenants.map((x: { tenant: { slug: string } }) => x.tenant.slug)).toEqual(["usage-b"]);
    expect(one.body.tenants[0].days).toEqual([expect.objectContaining({ runs: 1, counts: { succeeded: 1 } })]);
    const all = await system.api("GET", "/admin/api/usage/report?all=true&days=1");
    const slugs = all.body.tenants.map((x: { tenant: { slug: string } }) => x.tenant.slug);
    expect(slugs).toEqual(expect.arrayContaining(["default", "usage-b"]));
    expect(all.body.tenants.find((x: { tenant: { slug: string } }) => x.tenant.slug === "usage-b").total.runs).toBe(1);
    expect((await system.api("GET", "/admin/api/usage/report?tenant=nobody")).status).toBe(422);
  });
});

describe("endpoints", () => {
  const http = (name: string, path: string, methods: string[], extra: Record<string, unknown> = {}) => ({
    name,
    kind: "http",
    path,
    methods,
    access: "public",
    code: `export default () => "${name}"`,
    ...extra,
  });
  const create = (token: string, fields: Record<string, unknown>) => system.api("POST", "/admin/api/scripts", fields, { token });

  test("two enabled scripts of a tenant may not claim the same route and method: create, update and enable answer 409 naming the other", async () => {
    const t = await system.tenant("claims");
    const orders = await create(t.token, http("orders", "/orders/:id", ["GET", "POST"]));
    expect(orders.status).toBe(201);

    const clash = await create(t.token, http("orders-v2", "/orders/:key/", ["POST", "PUT"]));
    expect(clash.status).toBe(409);
    expect(clash.body.error).toMatchObject({ code: "CONFLICT", field: "path", details: { scriptId: orders.body.id, scriptName: "orders", methods: ["POST"] } });
    expect(clash.body.error.message).toBe(
      'script "orders" already answers POST /orders/:id (the same route as /orders/:key/): change the path or methods, or disable one of them',
    );

    // Other methods on the same route, or the same ones on another route, claim nothing of it.
    expect((await create(t.token, http("orders-put", "/orders/:key", ["PUT"]))).status).toBe(201);
    expect((await create(t.token, http("order-items", "/orders/:id/items", ["GET", "POST"]))).status).toBe(201);
    const putToo = await system.api("PATCH", `/admin/api/scripts/${orders.body.id}`, { methods: ["GET", "POST", "PUT"] }, { token: t.token });
    expect([putToo.status, putToo.body.error.details.scriptName, putToo.body.error.details.methods]).toEqual([409, "orders-put", ["PUT"]]);

    // A disabled script claims nothing until it is enabled.
    const spare = await create(t.token, http("orders-spare", "/orders/:id", ["GET"], { enabled: false }));
    expect(spare.status).toBe(201);
    const enable = await system.api("PATCH", `/admin/api/scripts/${spare.body.id}`, { enabled: true }, { token: t.token });
    expect([enable.status, enable.body.error.details.scriptName]).toEqual([409, "orders"]);
    expect((await system.api("PATCH", `/admin/api/scripts/${orders.body.id}`, { enabled: false }, { token: t.token })).status).toBe(200);
    expect((await system.api("PATCH", `/admin/api/scripts/${spare.body.id}`, { enabled: true }, { token: t.token })).status).toBe(200);
    expect((await system.api("GET", "/api/tenants/claims/scripts/orders/7")).body).toBe("orders-spare");
    // A script keeps its own claim when saved again.
    expect((await system.api("PATCH", `/admin/api/scripts/${spare.body.id}`, { description: "the one that answers" }, { token: t.token })).status).toBe(200);

    // Another tenant's routes are its own.
    const other = await system.tenant("claims-other");
    expect((await create(other.token, http("orders", "/orders/:id", ["GET", "POST"]))).status).toBe(201);
  });

  test("a signed endpoint's 401 says whether the signature is missing, wrong, malformed or too old", async () => {
    const t = await system.tenant("signed");
    await system.api("PUT", "/admin/api/secrets/HOOK_SECRET", { value: "whsec_test" }, { token: t.token });
    await create(t.token, { ...http("plain", "/hooks/plain", ["POST"]), access: "hmac", hmacSecret: "HOOK_SECRET" });
    await create(t.token, { ...http("stripe", "/hooks/stripe", ["POST"]), access: "hmac", hmacSecret: "HOOK_SECRET", hmacScheme: "stripe" });
    const body = JSON.stringify({ event: "paid" });
    const post = async (path: string, headers: Record<string, string>) => {
      const r = await fetch(`${system.baseUrl}/api/tenants/signed/scripts${path}`, { method: "POST", body, headers });
      return { status: r.status, message: ((await r.json()) as { error?: { message: string } }).error?.message };
    };
    const hex = (data: string) => createHmac("sha256", "whsec_test").update(data).digest("hex");

    expect(await post("/hooks/plain", {})).toEqual({
      status: 401,
      message: expect.stringMatching(/^the request has no x-signature header: this endpoint takes requests signed with the hex HMAC-SHA256 of the body/),
    });
    expect(await post("/hooks/plain", { "x-signature": hex("something else") })).toEqual({
      status: 401,
      message: expect.stringMatching(/^the x-signature signature does not match the request's body/),
    });
    expect((await post("/hooks/plain", { "x-signature": `sha256=${hex(body)}` })).status).toBe(200);

    const now = Math.floor(Date.now() / 1000);
    expect(await post("/hooks/stripe", {})).toEqual({ status: 401, message: expect.stringContaining("the request has no stripe-signature header") });
    expect(await post("/hooks/stripe", { "stripe-signature": "v1=abc" })).toEqual({
      status: 401,
      message: expect.stringMatching(/^the stripe-signature header must be t=<unix seconds>,v1=/),
    });
    const old = now - 600;
    expect(await post("/hooks/stripe", { "stripe-signature": `t=${old},v1=${hex(`${old}.${body}`)}` })).toEqual({
      status: 401,
      message: expect.stringMatching(/^the stripe-signature timestamp t=\d+ is \d+ s old; a signature is accepted for 5 minutes/),
    });
    expect(await post("/hooks/stripe", { "stripe-signature": `t=${now},v1=${hex(`${now}.other`)}` })).toEqual({
      status: 401,
      message: expect.stringMatching(/^the stripe-signature signature does not match its timestamp/),
    });
    expect((await post("/hooks/stripe", { "stripe-signature": `t=${now},v1=${hex(`${now}.${body}`)}` })).status).toBe(200);
  });
});

describe("alerts", () => {
  const failing = "export default () => { throw new Error('the export API said 500'); }";

  test("an alert links to the execution's page at the address npm start printed", async () => {
    const t = await system.tenant("linked");
    const id = await system.script({ name: "nightly", code: failing, alerts: [{ on: ["failed"], webhook: `http://127.0.0.1:${hooks.port}/linked` }] }, t.token);
    const run = await system.run(id, null, t.token);
    const hook = await waitFor(
      async () => hooks.requests.find((r) => r.url === "/linked"),
      (r) => r !== undefined,
    );
    const link = `${system.baseUrl}/admin/history/${run.body.id}`;
    expect(JSON.parse(hook!.body).text).toContain(link);
    expect(system.output).toContain(`admin:    ${system.baseUrl}/admin/`);
  });

  test("a webhook the egress policy refuses is refused at save, naming the rule, however its address is spelled", async () => {
    const t = await system.tenant("hooked");
    const rule = (webhook: string) => [
      { on: ["failed"], email: "ops@hooked.test" },
      { on: ["failed"], webhook },
    ];
    for (const [webhook, reason] of [
      ["http://127.0.0.1:9/x", "a loopback address"],
      ["http://0x7f.1/x", "a loopback address"],
      ["http://2130706433/x", "a loopback address"],
      ["http://[::ffff:127.0.0.1]/x", "an IPv4-mapped form of 127.0.0.1"],
      ["http://169.254.169.254/latest/meta-data", "a link-local/cloud-metadata address"],
      ["https://10.1.2.3/hook", "a private address"],
      ["http://[fe80::1]/", "a link-local address"],
      ["http://LOCALHOST:8080/", "a loopback name"],
      ["http://api.localhost/", "a loopback name"],
    ]) {
      const r = await system.api("POST", "/admin/api/scripts", { name: "refused", kind: "manual", code: failing, alerts: rule(webhook!) }, { token: t.token });
      expect([webhook, r.status, r.body.error.field]).toEqual([webhook, 422, "alerts[1].webhook"]);
      expect(r.body.error.message).toContain(reason);
    }
    // A name is checked when an alert is sent; an endpoint the operator opened may be saved.
    expect(
      (
        await system.api(
          "POST",
          "/admin/api/scripts",
          { name: "by-name", kind: "manual", code: failing, alerts: rule("https://hooks.example.com/alerts") },
          { token: t.token },
        )
      ).status,
    ).toBe(201);
    expect(
      (
        await system.api(
          "POST",
          "/admin/api/scripts",
          { name: "opened", kind: "manual", code: failing, alerts: rule(`http://127.0.0.1:${hooks.port}/ok`) },
          { token: t.token },
        )
      ).status,
    ).toBe(201);

    const id = (await system.api("GET", "/admin/api/scripts?q=by-name", undefined, { token: t.token })).body.items[0].id;
    const patched = await system.api("PATCH", `/admin/api/scripts/${id}`, { alerts: rule("http://192.168.1.20/") }, { token: t.token });
    expect([patched.status, patched.body.error.field]).toEqual([422, "alerts[1].webhook"]);
    const settings = await system.api("PATCH", "/admin/api/settings", { alerts: [{ on: ["failed"], webhook: "http://[::1]:8080/" }] }, { token: t.token });
    expect([settings.status, settings.body.error.field]).toEqual([422, "alerts[0].webhook"]);
    const tenant = await system.api("PATCH", `/admin/api/tenants/${t.slug}`, { alerts: [{ on: ["failed"], webhook: "http://0.0.0.0/" }] });
    expect([tenant.status, tenant.body.error.field]).toEqual([422, "alerts[0].webhook"]);
  });
});

describe("schedules", () => {
  test("a time zone is stored as Intl names it, however it was typed", async () => {
    const t = await system.tenant("zones");
    const created = await system.api(
      "POST",
      "/admin/api/scripts",
      { name: "nightly", kind: "scheduled", cron: "0 2 * * *", timezone: "europe/berlin", code: "export default () => 1" },
      { token: t.token },
    );
    expect(created.body.config.timezone).toBe("Europe/Berlin");
    const patched = await system.api("PATCH", `/admin/api/scripts/${created.body.id}`, { timezone: "ASIA/TOKYO" }, { token: t.token });
    expect(patched.body.config.timezone).toBe("Asia/Tokyo");
    expect((await system.api("GET", `/admin/api/scripts/${created.body.id}/schedule`, undefined, { token: t.token })).body.timezone).toBe("Asia/Tokyo");
  });
});

describe("the SDK's types", () => {
  test("say what event and scheduled scripts receive, for the editor", async () => {
    const types = (await system.api("GET", "/admin/api/sdk/types")).body as string;
    for (const part of [
      "interface EventInput<Payload = unknown>",
      "readonly occurredAt: string;",
      "interface ScheduledInput",
      "readonly scheduledFor: string;",
      "readonly caughtUp?: boolean;",
      "type EventHandler<",
      "type ScheduledHandler<",
      "type HttpHandler = (request: Request",
    ]) {
      expect(types).toContain(part);
    }
  });
});
