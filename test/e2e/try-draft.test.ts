// Trying a draft on a script's recent real inputs before it goes live: each input runs through
// the draft in shadow mode, beside what the live run did, with a verdict and a diff. Reads are
// real; writes, events and requests are captured and never happen, whatever path the draft
// takes to them. Shadow runs are not history, do not alert, and count against the tenant's
// concurrency and history budget.
import { createClient, type Client } from "@libsql/client";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startRecordingServer } from "../support/recording-server.ts";
import { System } from "../support/system.ts";

let system: System;
let db: Client;
let receiver: Awaited<ReturnType<typeof startRecordingServer>>;
let alerts: Awaited<ReturnType<typeof startRecordingServer>>;
let tenants = 0;

beforeAll(async () => {
  receiver = await startRecordingServer();
  alerts = await startRecordingServer();
  system = await System.start({ env: { IOTA_EGRESS_ALLOW: `127.0.0.1:${receiver.port},127.0.0.1:${alerts.port}` } });
  db = createClient({ url: `file:${join(system.dataDir, "iota.db")}` });
});
afterAll(async () => {
  db?.close();
  await system?.destroy();
  await receiver?.close();
  await alerts?.close();
});

async function until<T>(what: () => Promise<T>, done: (v: T) => boolean, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await what();
    if (done(v)) return v;
    if (Date.now() > deadline) throw new Error(`still not there after ${ms} ms: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const newTenant = () => system.tenant(`try-${++tenants}`);

/** A manual script run once per input (sync), so the draft has real runs to be tried on. */
async function scriptWithRuns(token: string, code: string, inputs: unknown[], fields: Record<string, unknown> = {}) {
  const id = await system.script({ name: `s-${Math.random().toString(36).slice(2, 9)}`, code, ...fields }, token);
  const executions: string[] = [];
  for (const input of inputs) {
    const r = await system.run(id, input, token);
    expect(r.status).toBe(200);
    executions.push(r.body.id);
  }
  return { id, executions };
}

const tryDraft = (token: string, scriptId: string, code: string, extra: Record<string, unknown> = {}) =>
  system.api("POST", `/admin/api/scripts/${scriptId}/try`, { code, ...extra }, { token });

const pricing = "export default async (input) => { if (input.qty < 0) throw new Error('negative quantity'); return { total: input.qty * 10 }; }";

describe("a draft tried on recent runs", () => {
  test("identical code is the same on every input; a changed output is different, with the diff; a throw is failed; a fix is fixed", async () => {
    const t = await newTenant();
    const { id, executions } = await scriptWithRuns(t.token, pricing, [{ qty: 1 }, { qty: 2 }, { qty: 3 }, { qty: -1 }]);

    const same = await tryDraft(t.token, id, pricing);
    expect(same.status).toBe(200);
    expect(same.body.summary).toEqual({ total: 4, same: 4, different: 0, failed: 0, fixed: 0, effects: 0 });
    // Newest live execution first, each named.
    expect(same.body.runs.map((r: { executionId: string }) => r.executionId)).toEqual([...executions].reverse());

    const draft = `export default async (input) => {
      if (input.qty === 3) throw new Error("three is not for sale");
      console.log("pricing", input.qty);
      return { total: input.qty === 2 ? 19 : Math.abs(input.qty) * 10 };
    }`;
    const r = await tryDraft(t.token, id, draft, { last: 10 });
    expect(r.status).toBe(200);
    expect(r.body.summary).toEqual({ total: 4, same: 1, different: 1, failed: 1, fixed: 1, effects: 0 });
    const byQty = (qty: number) => r.body.runs[executions.length - 1 - [1, 2, 3, -1].indexOf(qty)];
    expect(byQty(1)).toMatchObject({
      verdict: "same",
      live: { status: "succeeded", output: { total: 10 } },
      draft: { status: "succeeded", output: { total: 10 } },
    });
    expect(byQty(2)).toMatchObject({ verdict: "different", diff: [{ path: "$.total", live: 20, draft: 19 }] });
    expect(byQty(2).draft.logs.map((l: { message: string }) => l.message)).toEqual(["pricing 2"]);
    expect(byQty(3)).toMatchObject({ verdict: "failed", live: { status: "succeeded" }, draft: { status: "failed", error: { code: "SCRIPT_ERROR" } } });
    expect(byQty(3).draft.error.message).toContain("three is not for sale");
    expect(byQty(-1)).toMatchObject({ verdict: "fixed", live: { status: "failed" }, draft: { status: "succeeded", output: { total: 10 } } });

    // The trial is kept, and reads back as it was answered.
    const back = await system.api("GET", `/admin/api/scripts/${id}/trials/${r.body.id}`, undefined, { token: t.token });
    expect(back.status).toBe(200);
    expect(back.body).toEqual(r.body);
    // A TypeScript draft runs with its types stripped, as it would once saved.
    const typed = await tryDraft(
      t.token,
      id,
      "type Order = { qty: number };\nexport default async (input: Order): Promise<{ total: number }> => {\n  if (input.qty < 0) throw new Error('negative quantity');\n  return { total: input.qty * 10 };\n};",
      { language: "ts" },
    );
    expect(typed.status).toBe(200);
    expect(typed.body.summary).toMatchObject({ total: 4, same: 4 });
    // `last` takes the newest runs only.
    const one = await tryDraft(t.token, id, pricing, { last: 1 });
    expect(one.body.runs.map((x: { executionId: string }) => x.executionId)).toEqual([executions.at(-1)]);
  });

  test("an HTTP script's draft is compared by its responses, on the recorded requests", async () => {
    const t = await newTenant();
    const code =
      'export default async (request) => Response.json({ sku: new URL(request.url).searchParams.get("sku"), price: 10 }, { headers: { "x-price": "list" } })';
    const id = await system.script({ name: "price-endpoint", kind: "http", path: "/price", methods: ["GET"], access: "public", code }, t.token);
    for (const sku of ["A-1", "B-2"]) expect((await fetch(`${system.baseUrl}/api/tenants/${t.slug}/scripts/price?sku=${sku}`)).status).toBe(200);
    const draft =
      'export default async (request) => { const sku = new URL(request.url).searchParams.get("sku"); return Response.json({ sku, price: sku === "B-2" ? 12 : 10 }, { status: sku === "B-2" ? 201 : 200, headers: { "x-price": "list" } }); }';
    const r = await tryDraft(t.token, id, draft);
    expect(r.status).toBe(200);
    expect(r.body.summary).toMatchObject({ total: 2, same: 1, different: 1 });
    const changed = r.body.runs.find((run: { verdict: string }) => run.verdict === "different");
    expect(changed.trigger).toBe("http");
    expect(changed.diff).toEqual([
      { path: "$.body.price", live: 10, draft: 12 },
      { path: "$.status", live: 200, draft: 201 },
    ]);
  });

  test("a draft that tries every way to write or send performs none of them: the database and the receiver see nothing", async () => {
    const t = await newTenant();
    const marker = `Draft-${Math.random().toString(36).slice(2, 8)}`;
    expect((await system.api("PUT", "/admin/api/secrets/API_KEY", { value: "sk-live-0123456789" }, { token: t.token })).status).toBe(200);
    // What the draft finds already there: a client, a key, and a subscriber to the events it would publish.
    const subscriber = await system.script(
      { name: "subscriber", kind: "event", events: ["shadow.tried", "client.*"], code: "export default async () => 'delivered'" },
      t.token,
    );
    const setup = await scriptWithRuns(
      t.token,
      `export default async (input, ctx) => { await ctx.kv.put("kept-key", "still here"); return (await ctx.sdk.clients.create({ firstName: "Ada", lastName: "Original" })).id; }`,
      [null],
    );
    const clientId = (await system.api("GET", `/admin/api/executions/${setup.executions[0]}`, undefined, { token: t.token })).body.output;
    const { id } = await scriptWithRuns(t.token, "export default async (input) => ({ ok: true, n: input.n })", [{ n: 1 }]);

    const draft = `import { env } from "cloudflare:workers";
    export default async (input, ctx) => {
      const key = await ctx.secrets.get("API_KEY");
      const created = await ctx.sdk.clients.create({ firstName: "Shadow", lastName: "${marker}", email: "shadow@example.com" });
      const updated = await ctx.sdk.clients.update("${clientId}", { lastName: "Changed" });
      await ctx.kv.put("shadow-key", { key });
      const deleted = await ctx.kv.delete("kept-key");
      const published = await ctx.events.publish("shadow.tried", { n: input.n });
      const response = await fetch("http://127.0.0.1:${receiver.port}/hook", { method: "POST", headers: { authorization: "Bearer " + key }, body: JSON.stringify({ n: input.n }) });
      // Straight at the capability, as a script can reach it, with no execution's key.
      const direct = await env.SDK.call(ctx.executionId, "guessed", "kv.put", ["direct-key", 1]);
      const refused = await ctx.sdk.clients.create({ lastName: "no first name" }).catch((e) => e.code);
      return { created, updated, deleted, published, refused, status: response.status, shadow: response.headers.get("x-iota-shadow"), body: await response.json(), direct };
    }`;
    const r = await tryDraft(t.token, id, draft);
    expect(r.status).toBe(200);
    const [run] = r.body.runs;
    expect(run.draft.status).toBe("succeeded");
    // What the draft was answered: plausible results, so it could go on.
    const out = run.draft.output;
    expect(out.created).toMatchObject({ firstName: "Shadow", lastName: marker, email: "shadow@example.com" });
    expect(out.created.id).toMatch(/^clie_/);
    expect(out.updated).toMatchObject({ id: clientId, firstName: "Ada", lastName: "Changed" });
    expect(out).toMatchObject({ deleted: true, published: { deliveries: 0 }, refused: "VALIDATION_FAILED", status: 202, shadow: "captured" });
    expect(out.body.shadow).toBe("captured");
    expect(out.direct).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    // And what it tried, listed, with the secret it read masked.
    expect(run.effects.map((e: { call: string }) => e.call)).toEqual(["clients.create", "clients.update", "kv.put", "kv.delete", "events.publish", "fetch"]);
    const fetched = run.effects.at(-1);
    expect(fetched.args).toMatchObject({
      method: "POST",
      url: `http://127.0.0.1:${receiver.port}/hook`,
      headers: { authorization: "Bearer ***" },
      body: '{"n":1}',
    });
    expect(fetched.answered).toMatchObject({ status: 202 });
    expect(JSON.stringify(run.effects)).not.toContain("sk-live-0123456789");
    expect(r.body.summary.effects).toBe(6);

    // Nothing happened. The trial's answer is the end of the draft: what it would have changed is unchanged.
    expect(receiver.requests).toHaveLength(0);
    expect(receiver.connections).toBe(0);
    const state = await scriptWithRuns(
      t.token,
      `export default async (input, ctx) => ({
        shadowKey: await ctx.kv.get("shadow-key"), directKey: await ctx.kv.get("direct-key"), keptKey: await ctx.kv.get("kept-key"),
        created: (await ctx.sdk.clients.list({ where: { lastName: "${marker}" } })).items.length,
        original: (await ctx.sdk.clients.get("${clientId}")).lastName,
      })`,
      [null],
    );
    const seen = (await system.api("GET", `/admin/api/executions/${state.executions[0]}`, undefined, { token: t.token })).body.output;
    expect(seen).toEqual({ shadowKey: null, directKey: null, keptKey: "still here", created: 0, original: "Original" });
    const events = await db.execute({ sql: "SELECT type FROM events WHERE tenant_id = (SELECT id FROM tenants WHERE slug = ?)", args: [t.slug] });
    // The setup's own client.created is the tenant's only event: nothing from the draft.
    expect(events.rows.map((row) => row.type)).toEqual(["client.created"]);
    // Deliveries are stored with their event: the setup's is the subscriber's only one.
    const deliveries = await system.api("GET", `/admin/api/executions?scriptId=${subscriber}`, undefined, { token: t.token });
    expect(deliveries.body.items).toHaveLength(1);
  });
});

describe("shadow runs and the platform", () => {
  test("load in an isolate of their own: the live code's module state is never the draft's, even for the same code", async () => {
    const t = await newTenant();
    const counter = "let runs = 0;\nexport default async () => ++runs;";
    const { id } = await scriptWithRuns(t.token, counter, [null, null]);
    const r = await tryDraft(t.token, id, counter);
    expect(r.status).toBe(200);
    // The draft counted its own runs from nothing, whatever the live isolate had counted.
    expect(r.body.runs.map((run: { draft: { output: number } }) => run.draft.output).sort()).toEqual([1, 2]);
    // And the live isolate goes on from its own two runs, untouched by the draft's.
    expect((await system.run(id, null, t.token)).body.output).toBe(3);
  });

  test("are not history and do not alert: the live run that fails afterwards is the one alerted", async () => {
    const t = await newTenant();
    const alerted = [{ on: ["failed"], webhook: `http://127.0.0.1:${alerts.port}/${t.slug}` }];
    const { id, executions } = await scriptWithRuns(t.token, "export default async (input) => input", [{ a: 1 }, { a: 2 }], { alerts: alerted });
    const r = await tryDraft(t.token, id, "export default async () => { throw new Error('the draft breaks'); }");
    expect(r.body.summary).toMatchObject({ total: 2, failed: 2 });
    const history = await system.api("GET", `/admin/api/executions?scriptId=${id}`, undefined, { token: t.token });
    expect(history.body.items.map((e: { id: string }) => e.id).sort()).toEqual([...executions].sort());
    const everything = await system.api("GET", "/admin/api/executions", undefined, { token: t.token });
    expect(everything.body.items.every((e: { id: string }) => e.id.startsWith("exe_"))).toBe(true);

    // A failure alert opens on the first failure of a window: had the draft's failures counted,
    // this live failure would be held back instead of alerted.
    await system.api("PATCH", `/admin/api/scripts/${id}`, { code: "export default async () => { throw new Error('live breaks'); }" }, { token: t.token });
    const failed = await system.run(id, null, t.token);
    expect(failed.body.status).toBe("failed");
    const mine = () => alerts.requests.filter((q) => q.url === `/${t.slug}`);
    await until(
      async () => mine().length,
      (n) => n >= 1,
    );
    expect(mine()).toHaveLength(1);
    expect(mine()[0]!.body).toContain(failed.body.id);
  });

  test("count toward the tenant's history budget, and a tenant past it is refused 429", async () => {
    const t = await newTenant();
    const { id } = await scriptWithRuns(t.token, "export default async (input) => 'x'.repeat(input.size)", [{ size: 300_000 }]);
    const usage = async () => (await system.api("GET", "/admin/api/usage", undefined, { token: t.token })).body;
    const before = (await usage()).historyBytesToday;
    const r = await tryDraft(t.token, id, "export default async (input) => 'y'.repeat(input.size)");
    expect(r.body.summary.different).toBe(1);
    // The shadow run's input and its 300 KB output.
    expect((await usage()).historyBytesToday).toBeGreaterThanOrEqual(before + 300_000);

    expect((await system.api("PATCH", `/admin/api/tenants/${t.slug}`, { maxHistoryBytesPerDay: 1024 * 1024 })).status).toBe(200);
    await system.run(id, { size: 600_000 }, t.token);
    const refused = await tryDraft(t.token, id, "export default async () => 'z'");
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe("HISTORY_BUDGET_EXCEEDED");
    expect(refused.headers.get("retry-after")).toBeTruthy();
  });

  test("hold the tenant's concurrency while they run: at a limit of 1, a live run is refused until the trial ends", async () => {
    const t = await newTenant();
    expect((await system.api("PATCH", `/admin/api/tenants/${t.slug}`, { maxConcurrency: 1 })).status).toBe(200);
    const { id } = await scriptWithRuns(t.token, "export default async (input) => input", [{ n: 1 }]);
    // The draft waits for a secret the test sets: reads are real, so it sees it when it comes.
    const waiting = tryDraft(
      t.token,
      id,
      "export default async (input, ctx) => { while (!(await ctx.secrets.get('GO'))) await new Promise((r) => setTimeout(r, 20)); return input; }",
    );
    await until(
      async () => (await system.api("GET", "/admin/api/usage", undefined, { token: t.token })).body.running,
      (n) => n === 1,
    );
    const live = await system.run(id, { n: 2 }, t.token);
    expect(live.status).toBe(429);
    await system.api("PUT", "/admin/api/secrets/GO", { value: "now!" }, { token: t.token });
    const r = await waiting;
    expect(r.status).toBe(200);
    expect(r.body.summary.same).toBe(1);
    expect((await system.run(id, { n: 3 }, t.token)).status).toBe(200);
  });

  test("another tenant's script or trial is not found; a viewer may not try; a draft with a syntax error is refused with its line", async () => {
    const a = await newTenant();
    const b = await newTenant();
    const { id } = await scriptWithRuns(a.token, pricing, [{ qty: 1 }]);
    const trial = await tryDraft(a.token, id, pricing);
    expect((await tryDraft(b.token, id, pricing)).status).toBe(404);
    expect((await system.api("GET", `/admin/api/scripts/${id}/trials/${trial.body.id}`, undefined, { token: b.token })).status).toBe(404);
    const broken = await tryDraft(a.token, id, "export default async (input) => {\n  return input.;\n}");
    expect(broken.status).toBe(422);
    expect(broken.body.error).toMatchObject({ code: "SYNTAX_ERROR", details: { line: 2 } });
    const viewer = await system.api("POST", "/admin/api/tokens", { name: "looker", role: "viewer" }, { token: a.token });
    expect((await tryDraft(viewer.body.token, id, pricing)).status).toBe(403);
    expect((await system.api("GET", `/admin/api/scripts/${id}/trials/${trial.body.id}`, undefined, { token: viewer.body.token })).status).toBe(200);
  });
});
