// Failure alerts by email and webhook (received by a real SMTP server and an HTTP receiver on
// loopback), retention, and what operators and load balancers read.
import { createClient, type Client } from "@libsql/client";
import { join } from "node:path";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startRecordingServer } from "../support/recording-server.ts";
import { System } from "../support/system.ts";

interface Mail {
  to: string;
  raw: string;
}

let system: System;
let db: Client;
let hooks: Awaited<ReturnType<typeof startRecordingServer>>;
let smtp: SMTPServer;
const mails: Mail[] = [];
const windowMs = 3000;

beforeAll(async () => {
  hooks = await startRecordingServer();
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    onData(stream, session, callback) {
      let raw = "";
      stream.on("data", (c: Buffer) => (raw += c.toString()));
      stream.on("end", () => {
        // Quoted-printable bodies wrap long lines; unwrap them to read the message as sent.
        const text = raw.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address).join(","), raw: text });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
  const smtpPort = (smtp.server.address() as { port: number }).port;
  system = await System.start({
    env: {
      IOTA_SMTP_HOST: "127.0.0.1",
      IOTA_SMTP_PORT: String(smtpPort),
      IOTA_SMTP_IGNORE_TLS: "true",
      IOTA_EGRESS_ALLOW: `127.0.0.1:${hooks.port}`,
      IOTA_ALERT_WINDOW_MS: String(windowMs),
      IOTA_PUBLIC_URL: "https://scripts.example.test",
    },
  });
  db = createClient({ url: `file:${join(system.dataDir, "iota.db")}` });
  // The host writes the same file: wait for its write lock instead of failing with SQLITE_BUSY.
  await db.execute("PRAGMA busy_timeout = 10000");
});
afterAll(async () => {
  db?.close();
  await system?.destroy();
  await hooks?.close();
  await new Promise<void>((resolve) => smtp?.close(() => resolve()));
});

async function until(check: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 100));
  }
}

const webhookTexts = () => hooks.requests.map((r) => JSON.parse(r.body).text as string);

describe("failure alerts", () => {
  test("a failure alerts by email and webhook; more failures are grouped into a digest; a success resolves", async () => {
    const tenant = await system.tenant("alerted");
    const id = await system.script(
      {
        name: "nightly-export",
        code: "export default (i) => { if (!i.ok) throw new Error('export API said 500'); return 'ok'; }",
        alerts: [{ on: ["failed", "timed_out"], email: "ops@alerted.test", webhook: `http://127.0.0.1:${hooks.port}/slack` }],
      },
      tenant.token,
    );
    const first = await system.run(id, { ok: false }, tenant.token);
    await until(() => mails.length >= 1 && hooks.requests.length >= 1);
    const mail = mails[0]!;
    expect(mail.to).toBe("ops@alerted.test");
    expect(mail.raw).toContain("Subject: [iota-scripts] alerted/nightly-export: failed");
    for (const part of [
      "Tenant: alerted",
      "Script: nightly-export (version 1)",
      "Trigger: manual",
      "Status: failed",
      "export API said 500",
      `https://scripts.example.test/admin/history/${first.body.id}`,
    ]) {
      expect(mail.raw).toContain(part);
    }
    expect(webhookTexts()[0]).toContain("alerted/nightly-export: failed");
    expect(hooks.requests[0]!.url).toBe("/slack");

    for (let i = 0; i < 3; i++) await system.run(id, { ok: false }, tenant.token);
    await new Promise((r) => setTimeout(r, 1000));
    expect(mails).toHaveLength(1);
    await until(() => mails.length >= 2, windowMs + 10_000);
    expect(mails[1]!.raw).toContain("3 more failures");

    await system.run(id, { ok: true }, tenant.token);
    await until(() => mails.length >= 3);
    expect(mails[2]!.raw).toContain("resolved");
    await until(() => webhookTexts().some((t) => t.includes("resolved")));
  }, 40_000);

  test("scripts inherit the tenant's rules; dead letters alert too", async () => {
    const tenant = await system.tenant("inheriting");
    const settings = await system.api(
      "PATCH",
      "/admin/api/settings",
      { alerts: [{ on: ["dead_letter"], email: "dlq@inheriting.test" }] },
      { token: tenant.token },
    );
    expect(settings.status).toBe(200);
    await system.script(
      { name: "doomed-consumer", kind: "event", events: ["x.happened"], maxAttempts: 1, code: "export default () => { throw new Error('always'); }" },
      tenant.token,
    );
    await system.api("POST", "/api/events", { id: "x-1", type: "x.happened" }, { token: tenant.token });
    await until(() => mails.some((m) => m.to === "dlq@inheriting.test"));
    expect(mails.find((m) => m.to === "dlq@inheriting.test")!.raw).toContain("event dead-lettered");
  }, 30_000);

  test("bad alert rules are refused naming the field", async () => {
    const r = await system.api("POST", "/admin/api/scripts", {
      name: "bad-alerts",
      kind: "manual",
      code: "export default () => 1",
      alerts: [{ on: ["exploded"], email: "a@b.c" }],
    });
    expect(r.status).toBe(422);
    expect(r.body.error.field).toBe("alerts[0].on");
    const noChannel = await system.api("POST", "/admin/api/scripts", {
      name: "bad-alerts",
      kind: "manual",
      code: "export default () => 1",
      alerts: [{ on: ["failed"] }],
    });
    expect(noChannel.body.error.field).toBe("alerts[0]");
  });
});

describe("retention", () => {
  test("history older than the tenant's retention is deleted; versions stay", async () => {
    const tenant = await system.tenant("forgetful");
    await system.api("PATCH", "/admin/api/settings", { retentionDays: 1 }, { token: tenant.token });
    const id = await system.script({ name: "old-runner", code: "export default () => console.log('hello')" }, tenant.token);
    const old = await system.run(id, null, tenant.token);
    const recent = await system.run(id, null, tenant.token);
    await db.execute({ sql: "UPDATE executions SET created_at = ? WHERE id = ?", args: [new Date(Date.now() - 3 * 86_400_000).toISOString(), old.body.id] });
    await db.execute({ sql: "UPDATE maintenance SET next_at = ? WHERE job = 'retention'", args: [new Date(0).toISOString()] });
    await until(async () => (await system.api("GET", `/admin/api/executions/${old.body.id}`, undefined, { token: tenant.token })).status === 404);
    expect((await system.api("GET", `/admin/api/executions/${recent.body.id}`, undefined, { token: tenant.token })).status).toBe(200);
    const logs = await db.execute({ sql: "SELECT count(*) FROM execution_logs WHERE execution_id = ?", args: [old.body.id] });
    expect(Number(logs.rows[0]![0])).toBe(0);
    expect((await system.api("GET", `/admin/api/scripts/${id}/versions/1`, undefined, { token: tenant.token })).status).toBe(200);
  });
});

describe("visibility", () => {
  test("healthz and readyz for load balancers", async () => {
    expect((await system.api("GET", "/healthz", undefined, { token: null })).body).toEqual({ status: "ok" });
    const ready = await system.api("GET", "/readyz", undefined, { token: null });
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: "ready", checks: { database: "ok", runners: "ok" } });
  });

  test("Prometheus metrics for platform admins", async () => {
    const id = await system.script({ name: "metered", code: "export default () => 1" });
    await system.run(id, null);
    const r = await fetch(`${system.baseUrl}/metrics`, { headers: { authorization: `Bearer ${system.token}` } });
    expect(r.headers.get("content-type")).toContain("text/plain");
    const text = await r.text();
    expect(text).toMatch(/^iota_executions_total\{tenant="default",kind="manual",status="succeeded"\} \d+$/m);
    expect(text).toMatch(/^iota_execution_duration_seconds_bucket\{kind="manual",le="\+Inf"\} \d+$/m);
    for (const name of ["iota_event_deliveries_waiting", "iota_dead_letters", "iota_runner_processes", "iota_egress_refusals_total"])
      expect(text).toContain(`# TYPE ${name}`);
    const tenant = await system.tenant("not-admin");
    expect((await fetch(`${system.baseUrl}/metrics`, { headers: { authorization: `Bearer ${tenant.token}` } })).status).toBe(403);
  });
});
