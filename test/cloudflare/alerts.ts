// Failure alerts on the Cloudflare build (wrangler dev on a libSQL server): the tick sends the outbox's due
// deliveries itself, webhooks through the same egress policy as scripts' fetch(), email through
// the send_email binding (which Miniflare keeps and logs instead of sending), and the domain
// records each outcome as it does for the local build's sender.
import { createClient, type Client } from "@libsql/client";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, test } from "vitest";
import { startRecordingServer } from "../support/recording-server.ts";
import type { System } from "../support/system.ts";
import type { Part } from "./part.ts";

let system: System;
let db: Client;
let hooks: Awaited<ReturnType<typeof startRecordingServer>>;
let ssrfTarget: Awaited<ReturnType<typeof startRecordingServer>>;
let redirector: Server;
let redirectorPort: number;

export const alerts: Part = {
  async prepare() {
    // A webhook receiver and a redirector the operator opened (as IOTA_EGRESS_ALLOW opens one
    // locally), and a loopback server nobody opened, which no alert may reach.
    // The receiver refuses a /flaky path's first request and accepts the next: a retry must follow.
    const seen = new Set<string>();
    hooks = await startRecordingServer((r) => {
      if (!r.url.startsWith("/flaky") || seen.has(r.url)) return { body: { ok: true } };
      seen.add(r.url);
      return { status: 500, body: { error: "not now" } };
    });
    ssrfTarget = await startRecordingServer();
    redirector = createServer((req, res) => {
      req.resume();
      res.writeHead(307, { location: `http://127.0.0.1:${ssrfTarget.port}/stolen` }).end();
    });
    await new Promise<void>((resolve) => redirector.listen(0, "127.0.0.1", resolve));
    redirectorPort = (redirector.address() as AddressInfo).port;
    return [`127.0.0.1:${hooks.port}`, `127.0.0.1:${redirectorPort}`];
  },
  async attach(started, database) {
    system = started;
    db = createClient(database);
  },
  async close() {
    db?.close();
    await hooks?.close();
    await ssrfTarget?.close();
    await new Promise((resolve) => redirector?.close(resolve));
  },
  tests,
};

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms\n${system.output.slice(-4000)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

interface DeliveryRow {
  channel: string;
  status: string;
  attempts: number;
  last_error: string | null;
}

async function deliveries(scriptId: string): Promise<DeliveryRow[]> {
  const rs = await db.execute({
    sql: "SELECT channel, status, attempts, last_error FROM alert_deliveries WHERE script_id = ? ORDER BY channel",
    args: [scriptId],
  });
  return rs.rows as unknown as DeliveryRow[];
}

const failing = "export default () => { throw new Error('the export API said 500'); }";

function tests() {
  describe("alerts on the Cloudflare build", () => {
    test("a failure is sent to the webhook and by email, each with the execution's link, and recorded as sent", async () => {
      const tenant = await system.tenant("alerted");
      const id = await system.script(
        { name: "nightly", code: failing, alerts: [{ on: ["failed"], webhook: `http://127.0.0.1:${hooks.port}/slack`, email: "ops@alerted.test" }] },
        tenant.token,
      );
      const run = await system.run(id, null, tenant.token);
      expect(run.body.status).toBe("failed");
      const link = `${system.baseUrl}/admin/history/${run.body.id}`;

      // Woken for it, not left to the next minute's cron.
      const hook = await until("the webhook", () => hooks.requests.find((r) => r.url === "/slack"), 20_000);
      expect(hook.method).toBe("POST");
      expect(hook.headers["content-type"]).toBe("application/json");
      const text: string = JSON.parse(hook.body).text;
      expect(text.split("\n")[0]).toBe("*[iota-scripts] alerted/nightly: failed*");
      expect(text).toContain("Error: the export API said 500");
      expect(text).toContain(`Execution: ${link}`);

      // Miniflare logs the message it kept, with the file holding its text.
      const logged = await until("the email", () => system.output.match(/send_email binding called with MessageBuilder:[\s\S]*?Text: (\S+\.txt)/) ?? undefined);
      const headers = logged[0];
      expect(headers).toContain("To: ops@alerted.test");
      expect(headers).toContain("Subject: [iota-scripts] alerted/nightly: failed");
      const body = readFileSync(logged[1]!, "utf8");
      expect(body).toContain("A run failed in alerted/nightly.");
      expect(body).toContain(`Execution: ${link}`);

      const rows = await until("both recorded as sent", async () => {
        const found = await deliveries(id);
        return found.length === 2 && found.every((r) => r.status === "sent") ? found : undefined;
      });
      expect(rows).toEqual([
        { channel: "email", status: "sent", attempts: 1, last_error: null },
        { channel: "webhook", status: "sent", attempts: 1, last_error: null },
      ]);
      expect((await system.api("GET", "/metrics")).body).toMatch(/iota_alert_deliveries\{state="sent"\} [2-9]/);
    }, 60_000);

    test("a webhook that answers 500 is tried again until its receiver accepts it, and recorded as sent on that attempt", async () => {
      const tenant = await system.tenant("retried");
      const path = `/flaky/${Date.now()}`;
      const id = await system.script(
        { name: "breaks", code: failing, alerts: [{ on: ["failed"], webhook: `http://127.0.0.1:${hooks.port}${path}` }] },
        tenant.token,
      );
      expect((await system.run(id, null, tenant.token)).body.status).toBe("failed");
      // The retry is due 2 s after the first attempt: the tick is woken for it, not left to the cron.
      const [row] = await until(
        "sent on the second attempt",
        async () => {
          const found = await deliveries(id);
          return found[0]?.status === "sent" ? found : undefined;
        },
        20_000,
      );
      expect(row).toEqual({ channel: "webhook", status: "sent", attempts: 2, last_error: null });
      const requests = hooks.requests.filter((r) => r.url === path);
      expect(requests).toHaveLength(2);
      expect(JSON.parse(requests[1]!.body).text).toContain("retried/breaks: failed");
    }, 60_000);

    test("a webhook whose answer leads to a loopback address is refused by the egress policy, never connects, and the refusal is recorded", async () => {
      const tenant = await system.tenant("redirected");
      const id = await system.script(
        { name: "breaks", code: failing, alerts: [{ on: ["failed"], webhook: `http://127.0.0.1:${redirectorPort}/hook` }] },
        tenant.token,
      );
      expect((await system.run(id, null, tenant.token)).body.status).toBe("failed");

      const [row] = await until("the refusal recorded", async () => {
        const found = await deliveries(id);
        return found[0]?.attempts ? found : undefined;
      });
      expect(row).toMatchObject({ channel: "webhook", status: "pending", attempts: 1 });
      expect(row!.last_error).toBe(
        `fetch to http://127.0.0.1:${ssrfTarget.port}/stolen refused: 127.0.0.1 is a loopback address (127.0.0.0/8) (redirected from http://127.0.0.1:${redirectorPort}/hook)`,
      );
      expect(ssrfTarget.connections).toBe(0);
    }, 60_000);

    test("a webhook to an address the policy refuses is refused when the rule is saved, naming it", async () => {
      const tenant = await system.tenant("hooked");
      const r = await system.api(
        "POST",
        "/admin/api/scripts",
        { name: "refused", kind: "manual", code: failing, alerts: [{ on: ["failed"], webhook: "http://169.254.169.254/latest/meta-data" }] },
        { token: tenant.token },
      );
      expect([r.status, r.body.error.field]).toEqual([422, "alerts[0].webhook"]);
      expect(r.body.error.message).toContain("a link-local/cloud-metadata address");
    });
  });
}
