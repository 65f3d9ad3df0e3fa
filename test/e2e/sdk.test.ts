// The script SDK end to end: business data scoped to the tenant, writes that publish domain
// events, script state, secrets, events, and fetch() through the egress policy.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startRecordingServer } from "../support/recording-server.ts";
import { System } from "../support/system.ts";

let system: System;
let api: Awaited<ReturnType<typeof startRecordingServer>>;
let acme: { slug: string; token: string };
let globex: { slug: string; token: string };

beforeAll(async () => {
  api = await startRecordingServer((r) => ({ status: r.url === "/fail" ? 502 : 200, body: { received: r.body ? JSON.parse(r.body) : null } }));
  system = await System.start({ env: { IOTA_EGRESS_ALLOW: `127.0.0.1:${api.port}` } });
  acme = await system.tenant("acme");
  globex = await system.tenant("globex");
});
afterAll(async () => {
  await system?.destroy();
  await api?.close();
});

async function run(code: string, input: unknown = null, token = acme.token, fields: Record<string, unknown> = {}) {
  const id = await system.script({ name: `s-${Math.random().toString(36).slice(2, 9)}`, code, ...fields }, token);
  const r = await system.run(id, input, token);
  expect(r.status).toBe(200);
  return r.body;
}

describe("business data", () => {
  test("the default tenant has demo data to work with", async () => {
    const e = await run(
      "export default async (i, ctx) => ({ clients: (await ctx.sdk.clients.list()).items.length, payments: (await ctx.sdk.payments.list()).items.map((p) => p.amount) })",
      null,
      system.token,
    );
    expect(e.output.clients).toBe(3);
    expect(e.output.payments.sort((a: number, b: number) => a - b)).toEqual([450.5, 1200]);
  });

  test("create, get, list with filters and pages, update", async () => {
    const e = await run(`export default async (i, ctx) => {
      const a = await ctx.sdk.clients.create({ firstName: "Ada", lastName: "Lovelace", email: "ada@example.com" });
      await ctx.sdk.clients.create({ firstName: "Bob", lastName: "Lovelace" });
      await ctx.sdk.clients.create({ firstName: "Carol", lastName: "Other" });
      const byName = await ctx.sdk.clients.list({ where: { lastName: "Lovelace" } });
      const page1 = await ctx.sdk.clients.list({ limit: 2 });
      const page2 = await ctx.sdk.clients.list({ limit: 2, cursor: page1.nextCursor });
      const updated = await ctx.sdk.clients.update(a.id, { phone: "+44 1" });
      const pay = await ctx.sdk.payments.create({ amount: 99.95, currency: "eur", transactionDate: "2026-11-03", counterparty: "Ada" });
      const since = await ctx.sdk.payments.list({ since: "2026-11-01", until: "2026-11-30" });
      return { byName: byName.items.length, pages: [page1.items.length, page2.items.length, page2.nextCursor], phone: updated.phone, got: (await ctx.sdk.clients.get(a.id)).email, pay, since: since.items.length };
    }`);
    expect(e.status).toBe("succeeded");
    expect(e.output).toMatchObject({ byName: 2, pages: [2, 1, null], phone: "+44 1", got: "ada@example.com", since: 1 });
    expect(e.output.pay).toMatchObject({ amount: 99.95, currency: "EUR", transactionDate: "2026-11-03", accountingPeriod: "2026-11" });
  });

  test("bad values fail with the SDK's code and a message naming the field", async () => {
    const e = await run(`export default async (i, ctx) => {
      const tries = [
        () => ctx.sdk.clients.create({ lastName: "no first name" }),
        () => ctx.sdk.clients.create({ firstName: "x", email: "not-an-email" }),
        () => ctx.sdk.payments.create({ amount: 1.005, currency: "USD" }),
        () => ctx.sdk.transactions.create({ amount: 1, currency: "USD", type: "gift" }),
        () => ctx.sdk.clients.create({ firstName: "x", favouriteColour: "blue" }),
        () => ctx.sdk.clients.list({ where: { comments: "x" } }),
        () => ctx.sdk.clients.update("clie_missing", { firstName: "y" }),
      ];
      try { await ctx.sdk.clients.create({ firstName: "x", phone: "1".repeat(40) }); } catch (e) { if (e.field !== "phone") throw new Error("field was " + e.field); }
      const out = [];
      for (const t of tries) { try { await t(); out.push("ok"); } catch (e) { out.push(e.name + " " + e.code + ": " + e.message); } }
      return out;
    }`);
    expect(e.output).toEqual([
      "SdkError VALIDATION_FAILED: clients.firstName is required",
      "SdkError VALIDATION_FAILED: clients.email must be an email address",
      "SdkError VALIDATION_FAILED: payments.amount has more than 2 decimal places",
      "SdkError VALIDATION_FAILED: transactions.type must be one of: deposit, transfer, exchange",
      expect.stringMatching(/^SdkError VALIDATION_FAILED: clients has no field "favouriteColour"/),
      expect.stringMatching(/^SdkError VALIDATION_FAILED: clients can be filtered by: /),
      "SdkError NOT_FOUND: clients: no record clie_missing",
    ]);
  });

  test("another tenant's records are not found, through every call", async () => {
    const made = await run(`export default async (i, ctx) => (await ctx.sdk.clients.create({ firstName: "Secret", email: "s@acme.test" })).id`);
    const id = made.output;
    const e = await run(
      `export default async (id, ctx) => {
        const out = { get: await ctx.sdk.clients.get(id), list: (await ctx.sdk.clients.list({ where: { email: "s@acme.test" } })).items.length };
        try { await ctx.sdk.clients.update(id, { firstName: "Pwned" }); out.update = "changed"; } catch (e) { out.update = e.code; }
        return out;
      }`,
      id,
      globex.token,
    );
    expect(e.output).toEqual({ get: null, list: 0, update: "NOT_FOUND" });
    const still = await run(`export default async (id, ctx) => (await ctx.sdk.clients.get(id)).firstName`, id);
    expect(still.output).toBe("Secret");
  });

  test("a write publishes the platform's domain event, which event scripts receive", async () => {
    const listener = await system.script(
      {
        name: "welcome",
        kind: "event",
        events: ["client.created"],
        code: "export default async (e, ctx) => { await ctx.kv.put('welcomed:' + e.payload.id, true); return e.payload.firstName; }",
      },
      acme.token,
    );
    const made = await run(`export default async (i, ctx) => (await ctx.sdk.clients.create({ firstName: "Newcomer" })).id`);
    for (let i = 0; i < 100; i++) {
      const items = (await system.api("GET", `/admin/api/executions?scriptId=${listener}`, undefined, { token: acme.token })).body.items;
      if (items[0]?.status === "succeeded") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const check = await run(`export default async (id, ctx) => ctx.kv.get('welcomed:' + id)`, made.output);
    expect(check.output).toBe(true);
  });
});

describe("script state, secrets and events", () => {
  test("kv keeps values between runs, per tenant, with expiry and caps", async () => {
    await run(`export default async (i, ctx) => { await ctx.kv.put("greeting", { text: "hi" }); await ctx.kv.put("brief", 1, { ttlSeconds: 1 }); }`);
    await new Promise((r) => setTimeout(r, 1200));
    const e = await run(`export default async (i, ctx) => {
      const big = "x".repeat(200 * 1024);
      let tooBig; try { await ctx.kv.put("big", big); } catch (e) { tooBig = e.code; }
      let badTtl; try { await ctx.kv.put("t", 1, { ttlSeconds: -5 }); } catch (e) { badTtl = e.code; }
      return { greeting: await ctx.kv.get("greeting"), brief: await ctx.kv.get("brief"), keys: (await ctx.kv.list({ prefix: "gr" })).keys.map((k) => k.key), tooBig, badTtl, deleted: await ctx.kv.delete("greeting"), after: await ctx.kv.get("greeting") };
    }`);
    expect(e.output).toEqual({
      greeting: { text: "hi" },
      brief: null,
      keys: ["greeting"],
      tooBig: "PAYLOAD_TOO_LARGE",
      badTtl: "VALIDATION_FAILED",
      deleted: true,
      after: null,
    });
    const other = await run(`export default async (i, ctx) => ctx.kv.list()`, null, globex.token);
    expect(other.output.keys).toEqual([]);
  });

  test("the kv key cap holds when many puts race for its last places", async () => {
    const full = await system.tenant("kv-full");
    const fill = await run(
      `export default async (i, ctx) => {
      for (let start = 0; start < 9990; start += 250) {
        await Promise.all(Array.from({ length: Math.min(250, 9990 - start) }, (_, j) => ctx.kv.put("k" + (start + j), 1)));
      }
      return (await ctx.kv.list({ limit: 1 })).keys.length;
    }`,
      null,
      full.token,
      { timeoutMs: 120_000 },
    );
    expect(fill.status).toBe("succeeded");
    const race = await run(
      `export default async (i, ctx) => {
      const outcomes = await Promise.allSettled(Array.from({ length: 60 }, (_, j) => ctx.kv.put("late" + j, 1)));
      const refused = outcomes.filter((o) => o.status === "rejected").map((o) => o.reason.code);
      const overwrite = await ctx.kv.put("k1", 2).then(() => "ok", (e) => e.code);
      return { written: outcomes.length - refused.length, refused: [...new Set(refused)], overwrite };
    }`,
      null,
      full.token,
    );
    // 10 places were left: exactly 10 new keys land, and changing an existing key still works.
    expect(race.output).toEqual({ written: 10, refused: ["CONFLICT"], overwrite: "ok" });
  }, 180_000);

  test("a deprecated call still works and leaves a warning in the logs", async () => {
    const e = await run(`export default async (i, ctx) => { await ctx.kv.set("old-style", 1); return ctx.kv.get("old-style"); }`);
    expect(e.output).toBe(1);
    expect(e.logs[0]).toMatchObject({ level: "warn", message: expect.stringContaining("ctx.kv.set() is deprecated") });
  });

  test("secrets are write-only through the API, readable by the tenant's scripts, masked in logs", async () => {
    const put = await system.api("PUT", "/admin/api/secrets/PAYMENT_API_KEY", { value: "sk_live_42_do_not_log" }, { token: acme.token });
    expect(put.status).toBe(200);
    const list = await system.api("GET", "/admin/api/secrets", undefined, { token: acme.token });
    expect(list.body.items).toEqual([{ name: "PAYMENT_API_KEY", updatedAt: put.body.updatedAt, updatedBy: expect.any(String) }]);
    expect(JSON.stringify(list.body)).not.toContain("sk_live");
    const e = await run(
      `export default async (i, ctx) => { const k = await ctx.secrets.get("PAYMENT_API_KEY"); console.log("key is", k, "len", k.length); return k.length; }`,
    );
    expect(e.output).toBe("sk_live_42_do_not_log".length);
    expect(e.logs[0].message).toBe("key is *** len 21");
    expect((await run(`export default (i, ctx) => ctx.secrets.get("PAYMENT_API_KEY")`, null, globex.token)).output).toBeNull();
    const viewer = (await system.api("POST", "/admin/api/tokens", { name: "v", role: "viewer" }, { token: acme.token })).body.token;
    expect((await system.api("PUT", "/admin/api/secrets/X", { value: "y" }, { token: viewer })).status).toBe(403);
    expect((await system.api("PUT", "/admin/api/secrets/1bad", { value: "y" }, { token: acme.token })).body.error.field).toBe("name");
  });

  test("ctx.events.publish feeds the same durable intake", async () => {
    const listener = await system.script(
      { name: "shipped", kind: "event", events: ["order.shipped"], code: "export default (e) => e.payload.order" },
      acme.token,
    );
    const e = await run(`export default async (i, ctx) => ctx.events.publish("order.shipped", { order: 7 })`);
    expect(e.output.deliveries).toBe(1);
    for (let i = 0; i < 100; i++) {
      const items = (await system.api("GET", `/admin/api/executions?scriptId=${listener}&status=succeeded`, undefined, { token: acme.token })).body.items;
      if (items.length) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("the published event was not delivered");
  });
});

describe("fetch through the egress policy", () => {
  test("an allowed host is reached, and each request is recorded in the execution", async () => {
    const e = await run(`export default async () => {
      const ok = await fetch("http://127.0.0.1:${api.port}/orders", { method: "POST", body: JSON.stringify({ n: 1 }), headers: { "content-type": "application/json" } });
      const bad = await fetch("http://127.0.0.1:${api.port}/fail");
      return { ok: await ok.json(), status: bad.status };
    }`);
    expect(e.output).toEqual({ ok: { received: { n: 1 } }, status: 502 });
    expect(e.outbound).toEqual([
      expect.objectContaining({ method: "POST", host: "127.0.0.1", status: 200, url: `http://127.0.0.1:${api.port}/orders` }),
      expect.objectContaining({ method: "GET", status: 502 }),
    ]);
    expect(api.requests.find((r) => r.url === "/orders")?.headers["x-iota-tenant"]).toBeUndefined();
  });

  test("a tenant's deny list refuses a host, with the reason", async () => {
    await system.api("PATCH", "/admin/api/tenants/globex", { egressAllow: ["api.stripe.com"] });
    const e = await run(
      `export default async () => { try { await fetch("http://127.0.0.1:${api.port}/x"); return "reached"; } catch (e) { return e.message; } }`,
      null,
      globex.token,
    );
    expect(e.output).toMatch(/refused/);
    expect(e.outbound[0]).toMatchObject({ refused: expect.stringMatching(/^EGRESS_/) });
  });
});
