// The Cloudflare build end to end (`npm run start:cloudflare`: wrangler dev on a libSQL server,
// the Worker Loader running each script with the dispatcher's own SDK, egress and log
// capabilities): the SDK, events (with their retries and dead letters, woken by the queue),
// egress that goes through, live logs from the isolate's tail,
// and schedules fired by the Cron Trigger. What both builds must answer identically (bad input, roles, cross-tenant 404s, SSRF
// refusals, HTTP endpoints, history records) is test/shared/, run against each build.
import { createClient, type Client } from "@libsql/client";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, test } from "vitest";
import type { System } from "../support/system.ts";
import type { Part } from "./part.ts";
import { startRecordingServer } from "../support/recording-server.ts";
import { serverSentEvents } from "../../protocol/sse.ts";

let system: System;
let acme: { slug: string; token: string };
let globex: { slug: string; token: string };
let external: Awaited<ReturnType<typeof startRecordingServer>>;
let gate: Awaited<ReturnType<typeof startGate>>;
let db: Client;

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

export const features: Part = {
  async prepare() {
    // A stand-in for an external API, opened by the operator like IOTA_EGRESS_ALLOW opens one locally.
    external = await startRecordingServer((r) => ({ body: { echoed: r.url } }));
    gate = await startGate();
    return [`127.0.0.1:${external.port}`, `127.0.0.1:${gate.port}`];
  },
  async attach(started, database) {
    system = started;
    db = createClient(database);
    acme = await system.tenant("acme");
    globex = await system.tenant("globex");
  },
  async close() {
    db?.close();
    await external?.close();
    await gate?.close();
  },
  tests,
};

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function tests() {
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
        {
          name: "peek",
          code: `export default async (i, ctx) => ({ kv: await ctx.kv.get("greeting"), clients: (await ctx.sdk.clients.list({})).items.length })`,
        },
        globex.token,
      );
      const seen = await system.api("POST", `/admin/api/scripts/${peek}/runs`, { mode: "sync" }, { token: globex.token });
      expect(seen.body.output, JSON.stringify({ status: seen.body.status, error: seen.body.error })).toEqual({ kv: null, clients: 0 });
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

    test("a failing delivery is retried after its backoff, then dead-lettered with its event; a replay of it edited succeeds", async () => {
      const id = await system.script(
        {
          name: "needs-qty",
          kind: "event",
          events: ["invoice.due"],
          maxAttempts: 2,
          code: "export default (e) => { if (!e.payload.qty) throw new Error('qty must be positive'); return e.payload.qty * 10; }",
        },
        acme.token,
      );
      const published = await system.api("POST", "/api/events", { id: "inv-1", type: "invoice.due", payload: { qty: 0 } }, { token: acme.token });
      expect(published.status).toBe(202);
      // Nothing but the queue's wake-ups brings the retry (the cron is a minute away).
      const letter = await until("the dead letter", async () => {
        const items = (await system.api("GET", "/admin/api/dead-letters", undefined, { token: acme.token })).body.items as Record<string, any>[];
        return items.find((l) => l.scriptId === id);
      });
      expect(letter).toMatchObject({
        eventId: "inv-1",
        eventType: "invoice.due",
        payload: { qty: 0 },
        attempts: 2,
        errorMessage: "Error: qty must be positive",
      });
      const attempts = (await system.api("GET", `/admin/api/executions?scriptId=${id}`, undefined, { token: acme.token })).body.items as {
        attempt: number;
        status: string;
        startedAt: string;
      }[];
      expect(attempts.map((e) => [e.attempt, e.status]).sort()).toEqual([
        [1, "failed"],
        [2, "failed"],
      ]);
      // The first retry waits about 2 s (1.6 to 2.4 with jitter).
      const [first, second] = [...attempts].sort((a, b) => a.attempt - b.attempt);
      expect(Date.parse(second!.startedAt) - Date.parse(first!.startedAt)).toBeGreaterThanOrEqual(1600);
      const replay = await system.api("POST", `/admin/api/dead-letters/${letter.id}/replay`, { payload: { qty: 3 } }, { token: acme.token });
      expect(replay.status).toBe(202);
      const fixed = await until("the replayed delivery", async () => {
        const items = (await system.api("GET", `/admin/api/executions?scriptId=${id}`, undefined, { token: acme.token })).body.items;
        return items.find((e: { status: string }) => e.status === "succeeded");
      });
      expect((await system.api("GET", `/admin/api/executions/${fixed.id}`, undefined, { token: acme.token })).body.output).toBe(30);
    });

    test("a script throwing the words workerd refuses a live-log tail with runs once: its failure is its own", async () => {
      const id = await system.script(
        {
          name: "claims-refusal",
          code: `export default async (input, ctx) => {
            await fetch("http://127.0.0.1:${external.port}/side-effect/" + input.n);
            throw new Error("Streaming tail workers are experimental. You must pass the option 'allowExperimental: true' to the worker loader to use them");
          }`,
        },
        acme.token,
      );
      const run = await system.api("POST", `/admin/api/scripts/${id}/runs`, { input: { n: 7 }, mode: "sync" }, { token: acme.token });
      expect(run.body).toMatchObject({ status: "failed", errorCode: "SCRIPT_ERROR" });
      expect(external.requests.filter((r) => r.url === "/side-effect/7")).toHaveLength(1);
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

  describe("schedules on the Cloudflare build", () => {
    test("the Cron Trigger's tick runs a due schedule once and records each slot it missed", async () => {
      const minute = 60_000;
      // Not within seconds of a minute boundary: a slot passing mid-test would be one more.
      if (minute - (Date.now() % minute) < 8000) await new Promise((r) => setTimeout(r, minute - (Date.now() % minute) + 200));
      const id = await system.script(
        { name: "every-minute", kind: "scheduled", cron: "* * * * *", code: "export default async (i) => i.scheduledFor" },
        acme.token,
      );
      // Two minutes of downtime, as a deployment whose cron did not fire leaves it.
      const from = new Date(Date.now() - (Date.now() % minute) - 2 * minute).toISOString();
      await db.execute({ sql: "UPDATE scripts SET next_run_at = ? WHERE id = ?", args: [from, id] });
      // What Cloudflare calls every minute: the worker's scheduled handler.
      const fired = await fetch(`${system.baseUrl}/__scheduled?cron=${encodeURIComponent("* * * * *")}`);
      expect(fired.status).toBe(200);
      await fired.body?.cancel();
      const slots = await until("the due slot ran and the missed ones were recorded", async () => {
        const items = (await system.api("GET", `/admin/api/executions?scriptId=${id}`, undefined, { token: acme.token })).body.items as {
          status: string;
          trigger: string;
        }[];
        return items.length === 3 && items.every((e) => e.status !== "running" && e.status !== "queued") ? items : undefined;
      });
      expect(slots.map((e) => e.status).sort()).toEqual(["missed", "missed", "succeeded"]);
      expect(new Set(slots.map((e) => e.trigger))).toEqual(new Set(["scheduled"]));
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
}
