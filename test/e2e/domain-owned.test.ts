// What the host asks of the domain instead of touching its tables: the first-start bootstrap
// (printed as before), the alert outbox (the domain records each attempt, retries and sends on),
// and tenants' egress lists (read through the dispatcher's cache: a change applies at once).
import { createClient, type Client } from "@libsql/client";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startRecordingServer } from "../support/recording-server.ts";
import { System } from "../support/system.ts";

let system: System;
let db: Client;
let hooks: Awaited<ReturnType<typeof startRecordingServer>>;
// The receiver refuses a path's first request and accepts the next: a retry must follow.
const seen = new Set<string>();

/**
 * A webhook receiver that counts every request by path and answers /held/ ones only when told
 * (noting whether the sender gave up on one first): a receiver that is slow to answer.
 */
async function startHoldingReceiver() {
  const received = new Map<string, number>();
  const held: { url: string; res: ServerResponse; abandoned: boolean }[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const url = req.url ?? "";
      received.set(url, (received.get(url) ?? 0) + 1);
      if (!url.startsWith("/held/")) return res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
      const entry = { url, res, abandoned: false };
      res.on("close", () => {
        if (!res.writableEnded) entry.abandoned = true;
      });
      held.push(entry);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    received,
    held,
    answerHeld: () => {
      for (const h of held) if (!h.abandoned) h.res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
let slow: Awaited<ReturnType<typeof startHoldingReceiver>>;

beforeAll(async () => {
  hooks = await startRecordingServer((r) => {
    if (r.url.startsWith("/flaky") && !seen.has(r.url)) {
      seen.add(r.url);
      return { status: 500, body: { error: "not now" } };
    }
    return { body: { ok: true } };
  });
  slow = await startHoldingReceiver();
  // No SMTP server: an email alert fails, and the domain must record why.
  system = await System.start({ env: { IOTA_EGRESS_ALLOW: `127.0.0.1:${hooks.port},127.0.0.1:${slow.port}` } });
  db = createClient({ url: `file:${join(system.dataDir, "iota.db")}` });
  await db.execute("PRAGMA busy_timeout = 10000");
});
afterAll(async () => {
  db?.close();
  await system?.destroy();
  await hooks?.close();
  await slow?.close();
});

async function until<T>(read: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface DeliveryRow {
  channel: string;
  status: string;
  attempts: number;
  last_error: string | null;
  sent_at: string | null;
  next_attempt_at: string;
}

async function deliveries(scriptId: string): Promise<DeliveryRow[]> {
  const rs = await db.execute({
    sql: "SELECT channel, status, attempts, last_error, sent_at, next_attempt_at FROM alert_deliveries WHERE script_id = ? ORDER BY channel",
    args: [scriptId],
  });
  return rs.rows as unknown as DeliveryRow[];
}

describe("the alert outbox", () => {
  test("a refused webhook is recorded with its error and retried until its receiver accepts it; an email without SMTP is recorded as failing", async () => {
    const tenant = await system.tenant("outboxed");
    const path = `/flaky/${Date.now()}`;
    const id = await system.script(
      {
        name: "breaks",
        code: "export default () => { throw new Error('broken on purpose'); }",
        alerts: [{ on: ["failed"], webhook: `http://127.0.0.1:${hooks.port}${path}`, email: "ops@outboxed.test" }],
      },
      tenant.token,
    );
    expect((await system.run(id, null, tenant.token)).body.status).toBe("failed");

    // One delivery per channel, each tried (the webhook's first try is refused with 500).
    await until(async () => {
      const rows = await deliveries(id);
      return rows.length === 2 && rows.every((r) => r.attempts >= 1) ? rows : undefined;
    });
    const requests = () => hooks.requests.filter((r) => r.url === path);
    expect(requests().length).toBeGreaterThanOrEqual(1);

    // The retry reaches it and is accepted: recorded as sent after two attempts.
    const webhook = await until(async () => {
      const row = (await deliveries(id)).find((r) => r.channel === "webhook");
      return row?.status === "sent" ? row : undefined;
    });
    expect(webhook).toMatchObject({ status: "sent", attempts: 2, last_error: null });
    expect(webhook.sent_at).not.toBeNull();
    expect(requests()).toHaveLength(2);
    expect(JSON.parse(requests()[1]!.body).text).toContain("outboxed/breaks: failed");

    // The email cannot go anywhere: each attempt is recorded with the reason, and retried later.
    const email = (await deliveries(id)).find((r) => r.channel === "email")!;
    expect(email).toMatchObject({ status: "pending", last_error: "no SMTP server is configured (IOTA_SMTP_HOST)" });
    expect(email.attempts).toBeGreaterThanOrEqual(1);
    expect(Date.parse(email.next_attempt_at)).toBeGreaterThan(Date.now());

    const metrics = await system.api("GET", "/metrics");
    expect(metrics.body).toMatch(/iota_alert_deliveries\{state="sent"\} [1-9]/);
  }, 40_000);
});

describe("the alert senders' pace", () => {
  test("alerts to receivers that answer slowly hold none of the others, and each is received exactly once", async () => {
    const tenant = await system.tenant("paced");
    const paths = Array.from({ length: 12 }, (_, i) => (i % 4 === 1 ? `/held/${i}` : `/quick/${i}`));
    const id = await system.script(
      {
        name: "noisy",
        code: "export default () => { throw new Error('broken on purpose'); }",
        alerts: paths.map((path) => ({ on: ["failed"], webhook: `http://127.0.0.1:${slow.port}${path}` })),
      },
      tenant.token,
    );
    expect((await system.run(id, null, tenant.token)).body.status).toBe("failed");
    const quick = paths.filter((p) => p.startsWith("/quick/"));
    const held = paths.filter((p) => p.startsWith("/held/"));

    // Every quick receiver has its alert, and it is recorded as sent, while the slow ones still
    // hold theirs: sent side by side, not queued behind them.
    await until(async () => {
      const rows = await db.execute({ sql: "SELECT count(*) FROM alert_deliveries WHERE script_id = ? AND status = 'sent'", args: [id] });
      return Number(rows.rows[0]![0]) === quick.length && slow.held.length === held.length ? true : undefined;
    });
    expect(slow.held.map((h) => [h.url, h.abandoned]).sort()).toEqual(held.map((p) => [p, false]).sort());
    slow.answerHeld();

    await until(async () => {
      const rows = await db.execute({ sql: "SELECT count(*) FROM alert_deliveries WHERE script_id = ? AND status = 'sent'", args: [id] });
      return Number(rows.rows[0]![0]) === paths.length ? true : undefined;
    });
    expect(paths.map((p) => [p, slow.received.get(p)])).toEqual(paths.map((p) => [p, 1]));
  }, 40_000);
});

describe("tenants' egress lists", () => {
  test("a change to a tenant's allow list applies to its next request, with no cache of the host's in between", async () => {
    const tenant = await system.tenant("narrowing");
    const id = await system.script(
      {
        name: "reach",
        code: `export default async () => { try { return (await fetch("http://127.0.0.1:${hooks.port}/reach")).status; } catch (e) { return e.message; } }`,
      },
      tenant.token,
    );
    expect((await system.run(id, null, tenant.token)).body.output).toBe(200);
    const changed = await system.api("PATCH", "/admin/api/tenants/narrowing", { egressAllow: ["api.stripe.com"] });
    expect(changed.status).toBe(200);
    const refused = await system.run(id, null, tenant.token);
    expect(refused.body.output).toMatch(/refused/);
    expect(refused.body.outbound[0]).toMatchObject({ refused: expect.stringMatching(/^EGRESS_/) });
  });
});

describe("bootstrap through the domain", () => {
  test("a first start with nothing given prints a generated token and password that work; a restart prints neither and keeps them", async () => {
    const fresh = await System.start({ env: { IOTA_BOOTSTRAP_TOKEN: "" } });
    try {
      expect(fresh.output).toContain("iota-scripts is up");
      // Printed after the "up" banner, in writes of their own.
      const token = await until(async () => /Platform admin token \(shown once, store it now\):\n {2}(iota_\S+)\n/.exec(fresh.output)?.[1], 5000);
      const password = await until(async () => /Admin sign-in \(shown once\): user "admin", password (\S+)\n/.exec(fresh.output)?.[1], 5000);
      expect((await fresh.api("GET", "/admin/api/tenants", undefined, { token })).status).toBe(200);
      const signIn = await fresh.api("POST", "/admin/api/session", { username: "admin", password }, { token: null });
      expect(signIn.status, JSON.stringify(signIn.body)).toBe(200);
      // The demo data landed with the platform tenant, in the same transaction.
      const own = createClient({ url: `file:${join(fresh.dataDir, "iota.db")}` });
      try {
        const rs = await own.execute("SELECT count(*) FROM clients JOIN tenants ON tenants.id = clients.tenant_id WHERE tenants.slug = 'default'");
        expect(Number(rs.rows[0]![0])).toBe(3);
      } finally {
        own.close();
      }

      await fresh.restart();
      expect(fresh.output.split("Platform admin token").length).toBe(2);
      expect((await fresh.api("GET", "/admin/api/tenants", undefined, { token })).status).toBe(200);
    } finally {
      await fresh.destroy();
    }
  }, 150_000);
});
