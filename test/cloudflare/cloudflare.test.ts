// The Cloudflare build end to end (`npm run start:cloudflare`: wrangler dev, D1 on real SQLite,
// the Worker Loader running each script with the dispatcher's own SDK, egress and log
// capabilities): what a user does through the API, with the same answers as the local build.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { System } from "../support/system.ts";
import { startRecordingServer } from "../support/recording-server.ts";
import { serverSentEvents } from "../../protocol/sse.ts";

let system: System;
let acme: { slug: string; token: string };
let globex: { slug: string; token: string };
let external: Awaited<ReturnType<typeof startRecordingServer>>;
let ssrfTarget: Awaited<ReturnType<typeof startRecordingServer>>;
let gate: Awaited<ReturnType<typeof startGate>>;

/** An external API that holds every request until the test opens it. */
async function startGate() {
  let open: () => void = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  const server = createServer((_req, res) => {
    void opened.then(() => res.end("{}"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    open: () => open(),
    close: () => {
      open();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

beforeAll(async () => {
  // A stand-in for an external API, opened by the operator like IOTA_EGRESS_ALLOW opens one
  // locally; and a loopback server nobody opened, which must never be reached.
  external = await startRecordingServer((r) => ({ body: { echoed: r.url } }));
  ssrfTarget = await startRecordingServer();
  gate = await startGate();
  system = await System.start({ build: "cloudflare", env: { IOTA_EGRESS_ALLOW: `127.0.0.1:${external.port},127.0.0.1:${gate.port}` } });
  acme = await system.tenant("acme");
  globex = await system.tenant("globex");
}, 240_000);
afterAll(async () => {
  await system?.destroy();
  await external?.close();
  await ssrfTarget?.close();
  await gate?.close();
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("scripts on the Cloudflare build", () => {
  test("a manual script uses ctx.kv and ctx.sdk in its own tenant, with its logs and progress kept", async () => {
    const id = await system.script(
      {
        name: "kv-and-sdk",
        code: `export default async function (input, ctx) {
          await ctx.kv.put("greeting", { to: input.name });
          const kept = await ctx.kv.get("greeting");
          const client = await ctx.sdk.clients.create({ firstName: input.name, lastName: "Tester", email: "t@example.com" });
          const again = await ctx.sdk.clients.get(client.id);
          ctx.log.info("made " + again.firstName);
          ctx.progress(100, "done");
          return { kept, same: again.id === client.id, tenant: ctx.tenant.slug };
        }`,
      },
      acme.token,
    );
    const run = await system.api("POST", `/admin/api/scripts/${id}/runs`, { input: { name: "Ada" }, mode: "sync" }, { token: acme.token });
    expect(run.status).toBe(200);
    expect(run.body.status).toBe("succeeded");
    expect(run.body.output).toEqual({ kept: { to: "Ada" }, same: true, tenant: "acme" });
    expect(run.body.logs.map((l: { message: string }) => l.message)).toEqual(["made Ada"]);
    expect(run.body.progress).toEqual({ percent: 100, message: "done" });
    // The record is another tenant's business: globex's scripts see none of it.
    const peek = await system.script(
      { name: "peek", code: `export default async (i, ctx) => ({ kv: await ctx.kv.get("greeting"), clients: (await ctx.sdk.clients.list({})).items.length })` },
      globex.token,
    );
    const seen = await system.api("POST", `/admin/api/scripts/${peek}/runs`, { mode: "sync" }, { token: globex.token });
    expect(seen.body.output, JSON.stringify({ status: seen.body.status, error: seen.body.error })).toEqual({ kv: null, clients: 0 });
  });

  test("an HTTP endpoint answers through the tenant's path", async () => {
    await system.script(
      {
        name: "hello",
        kind: "http",
        path: "/hello/:name",
        methods: ["GET"],
        access: "public",
        code: "export default (req, ctx) => ({ hello: ctx.params.name })",
      },
      acme.token,
    );
    const response = await fetch(`${system.baseUrl}/api/tenants/acme/scripts/hello/bob`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ hello: "bob" });
    expect((await fetch(`${system.baseUrl}/api/tenants/globex/scripts/hello/bob`)).status).toBe(404);
  });

  test("a published event is delivered to the tenant's event script", async () => {
    const id = await system.script(
      {
        name: "on-order",
        kind: "event",
        events: ["order.*"],
        code: `export default async (e, ctx) => { await ctx.kv.put("last-order", e.payload.n); return e.payload.n * 2; }`,
      },
      acme.token,
    );
    const published = await system.api("POST", "/api/events", { id: "order-1", type: "order.placed", payload: { n: 21 } }, { token: acme.token });
    expect(published.status).toBe(202);
    const delivered = await until("the delivery", async () => {
      const list = await system.api("GET", `/admin/api/executions?scriptId=${id}`, undefined, { token: acme.token });
      return list.body.items?.find((e: { status: string }) => e.status === "succeeded");
    });
    const execution = await system.api("GET", `/admin/api/executions/${delivered.id}`, undefined, { token: acme.token });
    expect(execution.body.trigger).toBe("event");
    expect(execution.body.output).toBe(42);
  });

  test("fetch() to loopback is refused with a clear error in any spelling, recorded, and never connects", async () => {
    const id = await system.script(
      {
        name: "ssrf",
        code: `export default async (input) => {
          const out = [];
          for (const url of input.urls) {
            try { await fetch(url); out.push("fetched " + url); } catch (e) { out.push(e.message); }
          }
          return out;
        }`,
      },
      acme.token,
    );
    const port = ssrfTarget.port;
    const urls = [`http://127.0.0.1:${port}/a`, `http://2130706433:${port}/b`, `http://[::ffff:127.0.0.1]:${port}/c`, `http://localhost:${port}/d`];
    const run = await system.api("POST", `/admin/api/scripts/${id}/runs`, { input: { urls }, mode: "sync" }, { token: acme.token });
    expect(run.body.status, JSON.stringify({ error: run.body.error, logs: run.body.logs })).toBe("succeeded");
    expect(run.body.output[0]).toBe(`fetch to http://127.0.0.1:${port}/a refused: 127.0.0.1 is a loopback address (127.0.0.0/8)`);
    expect(run.body.output[1]).toBe(`fetch to http://127.0.0.1:${port}/b refused: 127.0.0.1 is a loopback address (127.0.0.0/8)`);
    expect(run.body.output[2]).toMatch(/^fetch to http:\/\/\[::ffff:7f00:1\]:\d+\/c refused: .*loopback/);
    expect(run.body.output[3]).toMatch(/^fetch to http:\/\/localhost:\d+\/d refused: localhost is /);
    expect(run.body.outbound).toHaveLength(4);
    for (const record of run.body.outbound) expect(record.refused).toBe("EGRESS_BLOCKED");
    expect(ssrfTarget.connections).toBe(0);
  });

  test("fetch() to an endpoint the operator opened goes through and is recorded", async () => {
    const id = await system.script({ name: "call-out", code: `export default async (input) => (await fetch(input.url)).json()` }, acme.token);
    const url = `http://127.0.0.1:${external.port}/prices?sku=A-1`;
    const run = await system.api("POST", `/admin/api/scripts/${id}/runs`, { input: { url }, mode: "sync" }, { token: acme.token });
    expect(run.body.status).toBe("succeeded");
    expect(run.body.output).toEqual({ echoed: "/prices?sku=A-1" });
    expect(run.body.outbound).toEqual([expect.objectContaining({ method: "GET", url: `http://127.0.0.1:${external.port}/prices`, status: 200 })]);
    // The platform's own headers never reach the remote server.
    expect(Object.keys(external.requests.at(-1)!.headers).filter((h) => h.startsWith("x-iota-"))).toEqual([]);
  });
});

describe("live logs on the Cloudflare build", () => {
  test("a running execution's logs and progress stream while it runs, through the isolate's tail", async () => {
    // It logs, then waits on the gate, which answers only when the test opens it: what the
    // stream shows before that can only have come live.
    const id = await system.script(
      {
        name: "slow-logger",
        code: `export default async (input, ctx) => {
          ctx.log.info("started");
          ctx.progress(40, "working");
          await fetch(input.gate);
          return "finished";
        }`,
      },
      acme.token,
    );
    const run = await system.api(
      "POST",
      `/admin/api/scripts/${id}/runs`,
      { input: { gate: `http://127.0.0.1:${gate.port}/` }, mode: "async" },
      { token: acme.token },
    );
    expect(run.status).toBe(202);
    const stream = await fetch(`${system.baseUrl}/admin/api/executions/${run.body.id}/stream`, { headers: { authorization: `Bearer ${acme.token}` } });
    expect(stream.status).toBe(200);
    const seen: { event: string; data: any }[] = [];
    let statusAtFirstLine: string | undefined;
    for await (const { event, data } of serverSentEvents(stream.body!)) {
      seen.push({ event, data: JSON.parse(data) });
      if (event === "log" && statusAtFirstLine === undefined) {
        statusAtFirstLine = (await system.api("GET", `/admin/api/executions/${run.body.id}`, undefined, { token: acme.token })).body.status;
        gate.open();
      }
      if (event === "end") break;
    }
    expect(statusAtFirstLine).toBe("running");
    expect(seen.find((e) => e.event === "log")?.data.message).toBe("started");
    expect(seen.find((e) => e.event === "progress")?.data).toEqual({ percent: 40, message: "working" });
    expect(seen.at(-1)?.event).toBe("end");
    expect(seen.at(-1)?.data.output).toBe("finished");
  });
});

describe("access on the Cloudflare build", () => {
  test("another tenant's script and execution answer 404, exactly like missing ones", async () => {
    const id = await system.script({ name: "private-thing", code: "export default () => 1" }, acme.token);
    const run = await system.api("POST", `/admin/api/scripts/${id}/runs`, { mode: "sync" }, { token: acme.token });
    expect((await system.api("GET", `/admin/api/scripts/${id}`, undefined, { token: globex.token })).status).toBe(404);
    expect((await system.api("GET", `/admin/api/executions/${run.body.id}`, undefined, { token: globex.token })).status).toBe(404);
    expect((await system.api("POST", `/admin/api/scripts/${id}/runs`, { mode: "sync" }, { token: globex.token })).status).toBe(404);
    const missing = await system.api("GET", "/admin/api/scripts/scr_doesnotexist", undefined, { token: globex.token });
    expect(missing.status).toBe(404);
  });

  test("a viewer may read but not write or run: 403", async () => {
    const viewer = await system.api("POST", "/admin/api/tokens", { name: "a viewer", role: "viewer" }, { token: acme.token });
    expect(viewer.status).toBe(201);
    const token = viewer.body.token;
    expect((await system.api("GET", "/admin/api/scripts", undefined, { token })).status).toBe(200);
    const write = await system.api("POST", "/admin/api/scripts", { name: "nope", kind: "manual", code: "export default () => 1" }, { token });
    expect(write.status).toBe(403);
    expect(write.body.error.code).toBe("FORBIDDEN");
  });

  test("bad input is refused with the field named", async () => {
    const badKind = await system.api("POST", "/admin/api/scripts", { name: "k", kind: "sometimes", code: "export default () => 1" }, { token: acme.token });
    expect([400, 422]).toContain(badKind.status);
    expect(badKind.body.error.field).toBe("kind");
    const syntax = await system.api("POST", "/admin/api/scripts", { name: "broken", kind: "manual", code: "export default () => {" }, { token: acme.token });
    expect(syntax.status).toBe(422);
    expect(syntax.body.error.field).toBe("code");
    const cron = await system.api(
      "POST",
      "/admin/api/scripts",
      { name: "c", kind: "scheduled", cron: "0 0 30 2 *", code: "export default () => 1" },
      { token: acme.token },
    );
    expect(cron.status).toBe(422);
    expect(cron.body.error.field).toBe("cron");
  });
});
