// The ways a script starts besides a manual run: HTTP endpoints, embedded calls from platform
// services, and domain events, each recorded in history with its trigger.
import { createHmac } from "node:crypto";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createIotaClient, IotaError } from "../../client/index.ts";
import { System } from "../support/system.ts";

let system: System;
let acme: { slug: string; token: string };

beforeAll(async () => {
  system = await System.start();
  acme = await system.tenant("acme");
  await system.api("PATCH", "/admin/api/tenants/acme", { domains: ["acme.test"] });
});
afterAll(async () => {
  await system?.destroy();
});

/** fetch() cannot set Host (a forbidden header), so requests by domain go through node:http. */
/**
 * `expectContinue`: the body waits for the server's 100 Continue (`Expect: 100-continue`), which
 * workerd sends once the worker reads the body. A server answering before it reads gets no body:
 * sent anyway, the early answer can be lost to a reset while the client still writes (EPIPE).
 */
function call(
  path: string,
  init: { method?: string; body?: string; headers?: Record<string, string>; host?: string; expectContinue?: boolean } = {},
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const waits = init.expectContinue === true && init.body !== undefined;
    const headers = {
      ...init.headers,
      ...(init.host ? { host: init.host } : {}),
      ...(waits ? { expect: "100-continue", "content-length": String(Buffer.byteLength(init.body!)) } : {}),
    };
    const req = request({ host: "127.0.0.1", port: system.port, path, method: init.method ?? "GET", headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === "string") headers.set(k, v);
        resolve(new Response(res.statusCode === 204 ? null : Buffer.concat(chunks), { status: res.statusCode, headers }));
      });
    });
    req.on("error", reject);
    if (!waits) return void req.end(init.body);
    req.on("continue", () => req.end(init.body));
    req.flushHeaders();
  });
}

async function waitFor<T>(what: () => Promise<T>, done: (v: T) => boolean, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await what();
    if (done(v) || Date.now() > until) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("HTTP endpoints", () => {
  const echo = `export default async (request, ctx) => {
    const url = new URL(request.url);
    return new Response(JSON.stringify({ id: ctx.params.id, method: request.method, q: url.searchParams.get("q"), body: await request.text(), auth: request.headers.get("authorization"), type: request.headers.get("content-type") }), { status: 201, headers: { "content-type": "application/json", "x-handled-by": "echo" } });
  }`;

  test("the tenant's script answers at its path, reached by the tenant's domain or by slug", async () => {
    await system.script({ name: "echo", kind: "http", path: "/orders/:id", methods: ["GET", "POST"], access: "public", code: echo }, acme.token);
    const byHost = await call("/api/scripts/orders/42?q=shoes", {
      method: "POST",
      host: "acme.test",
      body: "hello",
      headers: { "content-type": "text/plain" },
    });
    expect(byHost.status).toBe(201);
    expect(byHost.headers.get("x-handled-by")).toBe("echo");
    const executionId = byHost.headers.get("x-iota-execution-id");
    expect(await byHost.json()).toEqual({ id: "42", method: "POST", q: "shoes", body: "hello", auth: null, type: "text/plain" });
    const bySlug = await call("/api/tenants/acme/scripts/orders/7");
    expect((await bySlug.json()).id).toBe("7");

    const e = await system.api("GET", `/admin/api/executions/${executionId}`, undefined, { token: acme.token });
    expect(e.body).toMatchObject({
      trigger: "http",
      status: "succeeded",
      input: { method: "POST", body: "hello", params: { id: "42" } },
      output: { status: 201 },
    });
  });

  test("a JSON value answers 200 application/json", async () => {
    await system.script(
      { name: "json-answer", kind: "http", path: "/ping", methods: ["GET"], access: "public", code: "export default () => ({ pong: true })" },
      acme.token,
    );
    const r = await call("/api/scripts/ping", { host: "acme.test" });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toContain("application/json");
    expect(await r.json()).toEqual({ pong: true });
  });

  test("unknown path 404, wrong method 405 with Allow, disabled 404, unknown host 404", async () => {
    const id = await system.script(
      { name: "only-get", kind: "http", path: "/only-get", methods: ["GET"], access: "public", code: "export default () => 1" },
      acme.token,
    );
    expect((await call("/api/scripts/nothing-here", { host: "acme.test" })).status).toBe(404);
    const wrong = await call("/api/scripts/only-get", { method: "PUT", host: "acme.test", body: "x" });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET");
    await system.api("PATCH", `/admin/api/scripts/${id}`, { enabled: false }, { token: acme.token });
    expect((await call("/api/scripts/only-get", { host: "acme.test" })).status).toBe(404);
    expect((await call("/api/scripts/only-get", { host: "nobody.test" })).status).toBe(404);
  });

  test("a body over 1 MB answers 413 and runs nothing", async () => {
    const id = await system.script(
      { name: "upload", kind: "http", path: "/upload", methods: ["POST"], access: "public", code: "export default () => 1" },
      acme.token,
    );
    const r = await call("/api/scripts/upload", { method: "POST", host: "acme.test", body: "x".repeat(1024 * 1024 + 1) });
    expect(r.status).toBe(413);
    // Without a Content-Length (chunked), the cap applies as the body arrives.
    const chunked = await new Promise<number>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port: system.port, path: "/api/tenants/acme/scripts/upload", method: "POST" }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      const chunk = Buffer.alloc(64 * 1024, 120);
      for (let i = 0; i < 40; i++) req.write(chunk);
      req.end();
    });
    expect(chunked).toBe(413);
    expect((await system.api("GET", `/admin/api/executions?scriptId=${id}`, undefined, { token: acme.token })).body.items).toEqual([]);
    // Under the cap, a binary body (base64 for the script) runs even though its encoding is larger.
    const binary = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: "127.0.0.1",
          port: system.port,
          path: "/api/tenants/acme/scripts/upload",
          method: "POST",
          headers: { "content-type": "application/octet-stream" },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      req.end(Buffer.alloc(900 * 1024, 0xff));
    });
    expect(binary).toBe(200);
    expect((await system.api("GET", `/admin/api/executions?scriptId=${id}`, undefined, { token: acme.token })).body.items).toHaveLength(1);
  });

  test("token access wants an API token of the tenant, and hides it from the script", async () => {
    await system.script({ name: "private", kind: "http", path: "/private", methods: ["POST"], access: "token", code: echo }, acme.token);
    expect((await call("/api/scripts/private", { method: "POST", host: "acme.test" })).status).toBe(401);
    // A caller without the token is turned away before its body counts: 401, not 413 (a server
    // that read the body first would have asked for it with 100 Continue, and found it too large).
    expect((await call("/api/scripts/private", { method: "POST", host: "acme.test", body: "x".repeat(2 * 1024 * 1024), expectContinue: true })).status).toBe(
      401,
    );
    const other = await system.tenant("other-co");
    expect((await call("/api/scripts/private", { method: "POST", host: "acme.test", headers: { authorization: `Bearer ${other.token}` } })).status).toBe(401);
    const ok = await call("/api/scripts/private", { method: "POST", host: "acme.test", headers: { authorization: `Bearer ${acme.token}` } });
    expect(ok.status).toBe(201);
    expect((await ok.json()).auth).toBeNull();
  });

  test("HMAC access checks a signature over the body, plain or Stripe-style", async () => {
    expect((await system.api("PUT", "/admin/api/secrets/HOOK_SECRET", { value: "whsec_test" }, { token: acme.token })).status).toBe(200);
    const create = await system.api(
      "POST",
      "/admin/api/scripts",
      { name: "signed", kind: "http", path: "/hooks/signed", methods: ["POST"], access: "hmac", code: "export default async (r) => ({ got: await r.json() })" },
      { token: acme.token },
    );
    expect(create.body.error.field).toBe("hmacSecret");
    await system.script(
      {
        name: "signed",
        kind: "http",
        path: "/hooks/signed",
        methods: ["POST"],
        access: "hmac",
        hmacSecret: "HOOK_SECRET",
        code: "export default async (r) => ({ got: await r.json() })",
      },
      acme.token,
    );
    await system.script(
      {
        name: "stripe",
        kind: "http",
        path: "/hooks/stripe",
        methods: ["POST"],
        access: "hmac",
        hmacSecret: "HOOK_SECRET",
        hmacScheme: "stripe",
        code: "export default async (r) => ({ got: await r.json() })",
      },
      acme.token,
    );
    const body = JSON.stringify({ amount: 10 });
    const good = createHmac("sha256", "whsec_test").update(body).digest("hex");
    expect((await call("/api/scripts/hooks/signed", { method: "POST", host: "acme.test", body, headers: { "x-signature": `sha256=${good}` } })).status).toBe(
      200,
    );
    expect((await call("/api/scripts/hooks/signed", { method: "POST", host: "acme.test", body: body + " ", headers: { "x-signature": good } })).status).toBe(
      401,
    );
    const t = Math.floor(Date.now() / 1000);
    const v1 = createHmac("sha256", "whsec_test").update(`${t}.${body}`).digest("hex");
    const stripe = await call("/api/scripts/hooks/stripe", { method: "POST", host: "acme.test", body, headers: { "stripe-signature": `t=${t},v1=${v1}` } });
    expect(await stripe.json()).toEqual({ got: { amount: 10 } });
    const old = t - 3600;
    const replayed = createHmac("sha256", "whsec_test").update(`${old}.${body}`).digest("hex");
    expect(
      (await call("/api/scripts/hooks/stripe", { method: "POST", host: "acme.test", body, headers: { "stripe-signature": `t=${old},v1=${replayed}` } })).status,
    ).toBe(401);
  });

  test("a failing script answers 500 naming the execution, without its stack", async () => {
    await system.script(
      {
        name: "broken-endpoint",
        kind: "http",
        path: "/broken",
        methods: ["GET"],
        access: "public",
        code: "export default () => { throw new Error('db password is hunter2'); }",
      },
      acme.token,
    );
    const r = await call("/api/scripts/broken", { host: "acme.test" });
    expect(r.status).toBe(500);
    const text = await r.text();
    expect(text).not.toContain("hunter2");
    expect(JSON.parse(text).error.message).toContain(r.headers.get("x-iota-execution-id"));
  });
});

describe("embedded calls", () => {
  test("a platform service uses a pricing rule's return value through the client", async () => {
    await system.script(
      { name: "pricing-rule", kind: "embedded", code: "export default ({ sku, qty }) => ({ sku, price: qty >= 10 ? qty * 9 : qty * 10 })" },
      acme.token,
    );
    const iota = createIotaClient({ baseUrl: system.baseUrl, token: acme.token });
    const { value, executionId } = await iota.invoke<{ sku: string; price: number }>("pricing-rule", { sku: "A-1", qty: 12 });
    expect(value).toEqual({ sku: "A-1", price: 108 });
    const e = await system.api("GET", `/admin/api/executions/${executionId}`, undefined, { token: acme.token });
    expect(e.body).toMatchObject({ trigger: "embedded", status: "succeeded", input: { sku: "A-1", qty: 12 } });
  });

  test("errors reach the service as typed errors", async () => {
    await system.script(
      { name: "strict-rule", kind: "embedded", code: "export default (i) => { if (!i) throw new Error('no input'); return 1; }" },
      acme.token,
    );
    const raw = await system.api("POST", "/api/invoke/strict-rule", undefined, { token: acme.token });
    expect(raw.body.error.message).toContain("Error: no input");
    const iota = createIotaClient({ baseUrl: system.baseUrl, token: acme.token });
    const failed = await iota.invoke("strict-rule").catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(IotaError);
    expect(failed).toMatchObject({ status: 500, code: "SCRIPT_ERROR", executionId: expect.stringMatching(/^exe_/) });
    await expect(iota.invoke("no-such-rule", {})).rejects.toMatchObject({ status: 404 });
    await system.script({ name: "not-embedded", code: "export default () => 1" }, acme.token);
    await expect(iota.invoke("not-embedded", {})).rejects.toMatchObject({ status: 404 });
    await expect(createIotaClient({ baseUrl: system.baseUrl, token: "iota_wrong" }).invoke("pricing-rule", {})).rejects.toMatchObject({ status: 401 });
  });
});

describe("domain events", () => {
  test("stored before the 202, idempotent on id, delivered to every subscriber", async () => {
    const exact = await system.script(
      { name: "on-processed", kind: "event", events: ["invoice.paid"], code: "export default (e) => e.payload.amount" },
      acme.token,
    );
    const wildcard = await system.script({ name: "on-invoice", kind: "event", events: ["invoice.*"], code: "export default (e) => e.type" }, acme.token);
    await system.script({ name: "on-client", kind: "event", events: ["client.created"], code: "export default () => 1" }, acme.token);
    const iota = createIotaClient({ baseUrl: system.baseUrl, token: acme.token });
    const first = await iota.publishEvent({ id: "inv-1", type: "invoice.paid", payload: { amount: 120 } });
    expect(first).toEqual({ id: "inv-1", type: "invoice.paid", duplicate: false, deliveries: 2 });
    const again = await iota.publishEvent({ id: "inv-1", type: "invoice.paid", payload: { amount: 120 } });
    expect(again.duplicate).toBe(true);
    // The same id for a different event is the publisher's bug, said so rather than dropped.
    const reused = await system.api("POST", "/api/events", { id: "inv-1", type: "invoice.paid", payload: { amount: 999 } }, { token: acme.token });
    expect(reused.status).toBe(409);
    expect(reused.body.error).toMatchObject({ code: "CONFLICT", field: "id" });

    for (const [id, output] of [
      [exact, 120],
      [wildcard, "invoice.paid"],
    ] as const) {
      const runs = await waitFor(
        async () =>
          (await system.api("GET", `/admin/api/executions?scriptId=${id}`, undefined, { token: acme.token })).body.items as { id: string; status: string }[],
        (items) => items.length > 0 && items[0]!.status === "succeeded",
      );
      expect(runs).toHaveLength(1);
      const e = await system.api("GET", `/admin/api/executions/${runs[0]!.id}`, undefined, { token: acme.token });
      expect(e.body).toMatchObject({ trigger: "event", attempt: 1, output, input: { id: "inv-1", type: "invoice.paid", payload: { amount: 120 } } });
    }
  });

  test("a batch of events is stored together or not at all, each idempotent on its id", async () => {
    const batches = await system.tenant("batches");
    const id = await system.script({ name: "on-order", kind: "event", events: ["order.*"], code: "export default (e) => e.payload.n * 10" }, batches.token);
    const iota = createIotaClient({ baseUrl: system.baseUrl, token: batches.token });
    const events = [
      { id: "o-1", type: "order.placed", payload: { n: 1 } },
      { id: "o-2", type: "order.shipped", payload: { n: 2 } },
      { id: "c-1", type: "customer.joined", payload: { n: 3 } },
    ];
    const first = await iota.publishEvents(events);
    expect(first).toEqual({
      accepted: 3,
      duplicates: 0,
      events: [
        { id: "o-1", type: "order.placed", duplicate: false, deliveries: 1 },
        { id: "o-2", type: "order.shipped", duplicate: false, deliveries: 1 },
        { id: "c-1", type: "customer.joined", duplicate: false, deliveries: 0 },
      ],
    });
    const runs = () =>
      system
        .api("GET", `/admin/api/executions?scriptId=${id}`, undefined, { token: batches.token })
        .then((r) => r.body.items as { id: string; status: string }[]);
    const done = await waitFor(runs, (items) => items.length === 2 && items.every((e) => e.status === "succeeded"));
    const outputs = await Promise.all(
      done.map(async (e) => (await system.api("GET", `/admin/api/executions/${e.id}`, undefined, { token: batches.token })).body.output),
    );
    expect(outputs.sort()).toEqual([10, 20]);

    // The same batch again (keys in another order) is all repeats: 200, and nothing runs twice.
    const again = await system.api(
      "POST",
      "/api/events",
      { events: events.map((e) => ({ payload: e.payload, type: e.type, id: e.id })) },
      { token: batches.token },
    );
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ accepted: 0, duplicates: 3 });

    // One bad event refuses the whole batch, naming it; the good one before it is not stored.
    const bad = await system.api(
      "POST",
      "/api/events",
      {
        events: [
          { id: "o-3", type: "order.placed", payload: { n: 3 } },
          { id: "o-4", type: "Not A Type" },
        ],
      },
      { token: batches.token },
    );
    expect(bad.status).toBe(422);
    expect(bad.body.error.field).toBe("events[1].type");
    // So is a used id sent with another event, within the batch or against what is stored.
    const reused = await system.api(
      "POST",
      "/api/events",
      {
        events: [
          { id: "o-3", type: "order.placed", payload: { n: 3 } },
          { id: "o-1", type: "order.placed", payload: { n: 99 } },
        ],
      },
      { token: batches.token },
    );
    expect(reused.status).toBe(409);
    expect(reused.body.error.field).toBe("events[1].id");
    const twice = await system.api(
      "POST",
      "/api/events",
      {
        events: [
          { id: "o-5", type: "order.placed", payload: { n: 5 } },
          { id: "o-5", type: "order.placed", payload: { n: 6 } },
        ],
      },
      { token: batches.token },
    );
    expect(twice.status).toBe(409);
    expect((await system.api("POST", "/api/events", { events: [] }, { token: batches.token })).body.error.field).toBe("events");
    expect(
      (await system.api("POST", "/api/events", { events: Array.from({ length: 501 }, (_, i) => ({ id: `x-${i}`, type: "x.y" })) }, { token: batches.token }))
        .body.error.field,
    ).toBe("events");
    const o3 = await iota.publishEvent({ id: "o-3", type: "order.placed", payload: { n: 3 } });
    expect(o3.duplicate).toBe(false);
    await waitFor(runs, (items) => items.length === 3 && items.every((e) => e.status === "succeeded"));
    await new Promise((r) => setTimeout(r, 300));
    expect(await runs()).toHaveLength(3);
  });

  test("overlapping batches published at once store every event once, and never answer 500", async () => {
    const racing = await system.tenant("racing");
    await system.api("PATCH", "/admin/api/tenants/racing", { maxConcurrency: 50 });
    const id = await system.script({ name: "counted", kind: "event", events: ["race.*"], code: "export default () => 1" }, racing.token);
    // 20 windows of 100 ids, each shifted by 15: 385 distinct events.
    const windows = Array.from({ length: 20 }, (_, w) =>
      Array.from({ length: 100 }, (_, i) => ({ id: `r-${w * 15 + i}`, type: "race.run", payload: { n: w * 15 + i } })),
    );
    const publish = async (events: object[]): Promise<number> => {
      for (;;) {
        const r = await system.api("POST", "/api/events", { events }, { token: racing.token });
        if (r.status !== 409) return r.status;
        expect(r.headers.get("retry-after")).toBe("1");
      }
    };
    const statuses = await Promise.all(windows.map(publish));
    expect(statuses.every((s) => s === 202 || s === 200)).toBe(true);
    const done = await waitFor(
      async () => (await system.api("GET", "/admin/api/usage", undefined, { token: racing.token })).body as { running: number; queued: number },
      (u) => u.running === 0 && u.queued === 0,
      60_000,
    );
    expect(done).toMatchObject({ running: 0, queued: 0 });
    let count = 0;
    let cursor: string | null = null;
    do {
      const page: { items: unknown[]; nextCursor: string | null } = (
        await system.api("GET", `/admin/api/executions?scriptId=${id}&limit=200${cursor ? `&cursor=${cursor}` : ""}`, undefined, { token: racing.token })
      ).body;
      count += page.items.length;
      cursor = page.nextCursor;
    } while (cursor);
    expect(count).toBe(385);
  }, 90_000);

  test("a publish that would fan out into too many deliveries is refused whole", async () => {
    const wide = await system.tenant("wide");
    for (let i = 0; i < 11; i++) await system.script({ name: `sub-${i}`, kind: "event", events: ["fan.*"], code: "export default () => 1" }, wide.token);
    const events = Array.from({ length: 500 }, (_, n) => ({ id: `fan-${n}`, type: "fan.out", payload: { n } }));
    const refused = await system.api("POST", "/api/events", { events }, { token: wide.token });
    expect(refused.status).toBe(413);
    expect(refused.body.error).toMatchObject({ code: "PAYLOAD_TOO_LARGE", field: "events", message: expect.stringContaining("5500 deliveries") });
    // Nothing of it was stored: a smaller batch of the same events is new.
    const smaller = await system.api("POST", "/api/events", { events: events.slice(0, 100) }, { token: wide.token });
    expect(smaller.body).toMatchObject({ accepted: 100, duplicates: 0 });
  });

  test("the deliveries of a batch wait their turn in the order the events were published", async () => {
    const inOrder = await system.tenant("in-order");
    await system.api("PATCH", "/admin/api/tenants/in-order", { maxConcurrency: 1 });
    await system.script(
      {
        name: "recorder",
        kind: "event",
        events: ["step.done"],
        code: "export default async (e, ctx) => { await ctx.kv.put('order', [...((await ctx.kv.get('order')) ?? []), e.payload.n]); }",
      },
      inOrder.token,
    );
    const published = await createIotaClient({ baseUrl: system.baseUrl, token: inOrder.token }).publishEvents(
      Array.from({ length: 20 }, (_, n) => ({ id: `step-${n}`, type: "step.done", payload: { n } })),
    );
    expect(published.accepted).toBe(20);
    await waitFor(
      async () => (await system.api("GET", "/admin/api/usage", undefined, { token: inOrder.token })).body as { running: number; queued: number },
      (u) => u.running === 0 && u.queued === 0,
    );
    const order = await run("export default (i, ctx) => ctx.kv.get('order')", inOrder.token);
    expect(order).toEqual(Array.from({ length: 20 }, (_, n) => n));
  });

  test("bad events are refused naming the field", async () => {
    expect((await system.api("POST", "/api/events", { type: "a.b" }, { token: acme.token })).body.error.field).toBe("id");
    for (const id of ["z\u0000z", "tab\there", "lone\ud800"]) {
      const r = await system.api("POST", "/api/events", { id, type: "a.b" }, { token: acme.token });
      expect([r.status, r.body.error?.field]).toEqual([422, "id"]);
    }
    expect((await system.api("POST", "/api/events", { id: "x", type: "Not A Type" }, { token: acme.token })).body.error.field).toBe("type");
    expect((await system.api("POST", "/api/events", { id: "x", type: "a.b", occurredAt: "yesterday" }, { token: acme.token })).body.error.field).toBe(
      "occurredAt",
    );
    expect((await system.api("POST", "/api/events", { id: "x", type: "a.b", tenant: "default" }, { token: acme.token })).status).toBe(403);
  });

  test("a failing delivery is retried with backoff, then dead-lettered, and can be replayed", async () => {
    const id = await system.script(
      {
        name: "fragile",
        kind: "event",
        events: ["stock.low"],
        maxAttempts: 3,
        code: "export default (e, ctx) => { if (!globalThis.fixed) throw new Error('attempt ' + ctx.attempt + ' failed'); return 'ok'; }",
      },
      acme.token,
    );
    await system.api("POST", "/api/events", { id: "stock-1", type: "stock.low", payload: { sku: "A" } }, { token: acme.token });
    const letters = await waitFor(
      async () => (await system.api("GET", "/admin/api/dead-letters", undefined, { token: acme.token })).body.items,
      (items: { eventId: string }[]) => items.some((d) => d.eventId === "stock-1"),
    );
    const letter = (letters as { id: string; eventId: string }[]).find((d) => d.eventId === "stock-1")!;
    expect(letter).toMatchObject({ scriptId: id, attempts: 3, errorMessage: "Error: attempt 3 failed", eventType: "stock.low" });
    const attempts = (await system.api("GET", `/admin/api/executions?scriptId=${id}`, undefined, { token: acme.token })).body.items.reverse();
    expect(attempts.map((a: { attempt: number; status: string }) => [a.attempt, a.status])).toEqual([
      [1, "failed"],
      [2, "failed"],
      [3, "failed"],
    ]);
    // About 2 s, then about 4 s, with jitter.
    const gaps = [1, 2].map((i) => Date.parse(attempts[i].startedAt) - Date.parse(attempts[i - 1].finishedAt));
    expect(gaps[0]).toBeGreaterThanOrEqual(1500);
    expect(gaps[1]).toBeGreaterThanOrEqual(3000);

    await system.api("PATCH", `/admin/api/scripts/${id}`, { code: "export default (e) => 'fixed: ' + e.payload.sku" }, { token: acme.token });
    const replay = await system.api("POST", `/admin/api/dead-letters/${letter.id}/replay`, {}, { token: acme.token });
    expect(replay.status).toBe(202);
    const e = await waitFor(
      async () =>
        (await system.api("GET", `/admin/api/executions/${replay.body.executionId}`, undefined, { token: acme.token })).body as {
          status: string;
          output: unknown;
        },
      (x: { status: string; output: unknown }) => x.status === "succeeded",
    );
    expect(e.output).toBe("fixed: A");
    expect((await system.api("POST", "/admin/api/dead-letters/dlq_nope/replay", {}, { token: acme.token })).status).toBe(404);
  }, 40_000);

  test("an event script feeding itself stops at the chain limit, the stopping run saying why", async () => {
    const loops = await system.tenant("loops");
    // Each delivery publishes the event it consumes, and also writes a record (which publishes
    // client.created): both paths must stop, the write before it changes anything.
    const id = await system.script(
      {
        name: "echo",
        kind: "event",
        events: ["ping.sent"],
        maxAttempts: 1,
        code: `export default async (e, ctx) => {
          await ctx.events.publish("ping.sent", { n: e.payload.n + 1 });
          await ctx.sdk.clients.create({ firstName: "Echo", lastName: String(e.payload.n) });
          return e.payload.n;
        }`,
      },
      loops.token,
    );
    await system.api("POST", "/api/events", { id: "ping-0", type: "ping.sent", payload: { n: 0 } }, { token: loops.token });
    const runs = () =>
      system
        .api("GET", `/admin/api/executions?scriptId=${id}&limit=50`, undefined, { token: loops.token })
        .then((r) => r.body.items as { id: string; status: string }[]);
    const seen = await waitFor(runs, (items) => items.some((e) => e.status === "failed"));
    const failed = seen.find((e) => e.status === "failed")!;
    const detail = (await system.api("GET", `/admin/api/executions/${failed.id}`, undefined, { token: loops.token })).body;
    // Deliveries of the events at depths 0..9 publish the next one; the delivery of the
    // depth-10 event is the one refused.
    expect(detail.input.payload.n).toBe(10);
    expect(detail.error.message).toMatch(/chain of events published by event scripts; the limit is 10/);
    // Nothing keeps going after the stop, and the refused write stored no record.
    await new Promise((r) => setTimeout(r, 1500));
    const after = await runs();
    expect(after.filter((e) => e.status === "succeeded")).toHaveLength(10);
    expect(after).toHaveLength(11);
    const clients = await run(
      "export default async (i, ctx) => (await ctx.sdk.clients.list({ limit: 100 })).items.filter((c) => c.firstName === 'Echo').length",
      loops.token,
    );
    expect(clients).toBe(10);
  }, 40_000);
});

/** Runs code once as a manual script of the token's tenant and answers its output. */
async function run(code: string, token: string): Promise<unknown> {
  const id = await system.script({ name: `probe-${Math.random().toString(36).slice(2, 8)}`, code }, token);
  const r = await system.run(id, null, token);
  expect(r.body.status).toBe("succeeded");
  return r.body.output;
}
