// A new user's five use cases in the admin, each started from its template on "New script":
// the kind and settings come filled in, the script is saved and then run the way its callers
// run it (a call through /api/invoke, a signed request to its real URL, a test event, an async
// run with progress, a scheduled export run by hand), and "How to call it" gives what works
// from outside: the curl lines shown are run here in a shell, signatures and all.
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import { promisify } from "node:util";
import type { Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { startRecordingServer } from "../support/recording-server.ts";
import { System } from "../support/system.ts";
import { openAdmin, type AdminBrowser } from "./support/browser.ts";
import { ensureChromium } from "./support/chromium.ts";
import { look } from "./support/look.ts";
import { createFromEditor, signIn } from "./support/steps.ts";

const sh = promisify(execFile);
const password = "correct horse battery staple 42";
const webhookSecret = "whsec_admin_test_42";
let system: System;
let b: AdminBrowser;
let outside: Awaited<ReturnType<typeof startRecordingServer>>;

beforeAll(async () => {
  await ensureChromium();
  // Stands in for the accounting system and the email API the examples call.
  outside = await startRecordingServer((r) =>
    r.url === "/email/send" ? { body: { id: "msg_1" } } : r.url === "/export" ? { body: { received: true } } : { status: 404, body: {} },
  );
  system = await System.start({ env: { IOTA_BOOTSTRAP_PASSWORD: password, IOTA_EGRESS_ALLOW: `127.0.0.1:${outside.port}` } });
  for (const [name, value] of Object.entries({
    EXPORT_URL: `http://127.0.0.1:${outside.port}/export`,
    EXPORT_TOKEN: "export_token_1",
    EMAIL_API_URL: `http://127.0.0.1:${outside.port}/email/send`,
    EMAIL_API_KEY: "email_key_1",
  })) {
    expect((await system.api("PUT", `/admin/api/secrets/${name}`, { value })).status).toBe(200);
  }
  b = await openAdmin(system.baseUrl);
  await b.page.goto("/admin/scripts");
  await signIn(b.page, "admin", password);
  await b.page.getByRole("heading", { name: "Scripts" }).waitFor();
}, 600_000);

afterAll(async () => {
  await b?.close();
  await system?.destroy();
  await outside?.close();
});

afterEach(() => {
  const errors = b.errors.splice(0);
  expect(errors, "browser console errors").toEqual([]);
});

const page = () => b.page;
const example = (file: string) => readFile(new URL(`../../examples/${file}`, import.meta.url), "utf8");
const toast = (text: string | RegExp) => page().locator(".toast").filter({ hasText: text });
const jsonInput = () => page().locator(".run-try .json-input .view-lines");
const codeBlock = (label: string | RegExp) =>
  page()
    .locator(".code-block")
    .filter({ has: page().getByText(label, { exact: typeof label === "string" }) })
    .locator("pre");

async function fromTemplate(p: Page, title: string): Promise<void> {
  await p.getByRole("link", { name: "Scripts" }).first().click();
  await p.getByRole("button", { name: "New script" }).click();
  await p
    .getByRole("dialog", { name: "New script" })
    .getByRole("link", { name: new RegExp(`^${title}`) })
    .click();
  await p.locator(".editor-code .monaco-editor").waitFor();
}

async function execution(id: string) {
  return (await system.api("GET", `/admin/api/executions/${id}`)).body;
}

async function lastRunOf(scriptId: string) {
  return (await system.api("GET", `/admin/api/executions?scriptId=${scriptId}&limit=1`)).body.items[0];
}

// Each test walks a whole flow in a real browser on a shared machine: more than the default 30 s.
describe("new scripts from templates, one per use case", { timeout: 120_000 }, () => {
  test("New script offers a blank script and a tested example of each use case", async () => {
    await page().getByRole("button", { name: "New script" }).click();
    const dialog = page().getByRole("dialog", { name: "New script" });
    for (const title of ["Blank script", "Nightly CSV export", "Webhook receiver", "Event notification", "Data migration with progress", "Pricing rule"]) {
      await look(dialog.getByRole("link", { name: new RegExp(`^${title}`) })).toBeVisible();
    }
    await look(dialog).toContainText("Needs secrets: SIGNUP_WEBHOOK_SECRET");
    await b.screenshot("templates-01-chooser");
    await page().keyboard.press("Escape");
    await look(dialog).toBeHidden();
  });

  test("a pricing rule: embedded, called through /api/invoke with its sample input, its kind fixed once saved", async () => {
    await fromTemplate(page(), "Pricing rule");
    expect(page().url()).toMatch(/\/admin\/scripts\/new\?template=pricing-rule$/);
    await look(page().getByRole("note")).toContainText("Pricing rule: review the settings and press Create");
    expect(await page().getByLabel("Name", { exact: true }).inputValue()).toBe("pricing-rule");
    expect(await page().getByLabel("Kind").inputValue()).toBe("embedded");
    expect(await page().getByLabel("Timeout (ms)").inputValue()).toBe("2000");
    await b.screenshot("templates-02-pricing-rule-new");
    const id = await createFromEditor(page());
    const saved = (await system.api("GET", `/admin/api/scripts/${id}`)).body;
    expect(saved).toMatchObject({ name: "pricing-rule", kind: "embedded", timeoutMs: 2000, tags: { template: "pricing-rule" } });
    // One copy: the example file itself.
    expect(saved.code).toBe(await example("pricing-rule.js"));
    await look(page().getByLabel("Kind")).toBeDisabled();

    await page().getByRole("tab", { name: "Run" }).click();
    await look(jsonInput()).toContainText("GADGET-PRO");
    await page().getByRole("button", { name: "Call v1" }).click();
    await look(page().getByLabel("Output")).toContainText('"total": 2039.9');
    expect(await lastRunOf(id)).toMatchObject({ trigger: "embedded", status: "succeeded" });
    await b.screenshot("templates-03-pricing-rule-called");

    await page().getByRole("button", { name: "How to call it" }).click();
    await look(codeBlock("From a service, with client/")).toContainText('iota.invoke("pricing-rule"');
    await look(codeBlock("curl command")).toContainText(`${system.baseUrl}/api/invoke/pricing-rule`);
  });

  test("a webhook receiver: its signing secret set beside its settings, a signed request sent from the Run panel, and the curl lines shown work", async () => {
    await fromTemplate(page(), "Webhook receiver");
    expect(await page().getByLabel("Kind").inputValue()).toBe("http");
    expect(await page().getByLabel("Access").inputValue()).toBe("hmac");
    expect(await page().getByLabel("Signing secret").inputValue()).toBe("SIGNUP_WEBHOOK_SECRET");
    expect(await page().getByLabel("Scheme").inputValue()).toBe("sha256-hex");
    await look(page().getByText("SIGNUP_WEBHOOK_SECRET is not set yet")).toBeVisible();
    await look(page().locator(".url-copy")).toContainText("/api/tenants/default/scripts/webhooks/signup");
    await page().getByLabel("Value of SIGNUP_WEBHOOK_SECRET").fill(webhookSecret);
    await page().getByRole("button", { name: "Set value" }).click();
    await toast("SIGNUP_WEBHOOK_SECRET saved").waitFor();
    await look(page().getByText(/SIGNUP_WEBHOOK_SECRET was set just now/)).toBeVisible();
    await b.screenshot("templates-04-webhook-settings");
    const id = await createFromEditor(page());
    expect((await system.api("GET", `/admin/api/scripts/${id}`)).body.config).toMatchObject({
      path: "/webhooks/signup",
      methods: ["POST"],
      access: "hmac",
      hmacSecret: "SIGNUP_WEBHOOK_SECRET",
    });

    // The value just set signs the test request; the script answers as its callers hear it.
    await page().getByRole("tab", { name: "Run" }).click();
    expect(await page().getByLabel("Request body").inputValue()).toContain('"firstName": "Ada"');
    // Someone the tenant's demo data does not know yet: a new client, 201.
    await page().getByLabel("Request body").fill('{"firstName":"Ada","lastName":"Byron","email":"ada.byron@signup.example"}');
    await page().getByRole("button", { name: "Send POST" }).click();
    const received = page().getByRole("region", { name: "Response" });
    await look(received.locator(".http-status")).toContainText("201");
    await look(page().getByLabel("Response recorded")).toContainText("201");
    const run = await execution((await lastRunOf(id)).id);
    expect(run).toMatchObject({ trigger: "http", status: "succeeded", output: { status: 201 } });
    expect(run.input.headers.some(([name]: [string, string]) => name === "x-signature")).toBe(true);
    await b.screenshot("templates-05-webhook-sent");

    // What "How to call it" shows runs as it is: signed here, or signed in the shell.
    await page().getByRole("button", { name: "How to call it" }).click();
    await look(codeBlock("URL")).toContainText(`${system.baseUrl}/api/tenants/default/scripts/webhooks/signup`);
    await page().getByLabel("Body to send").fill('{"firstName":"Grace","email":"grace@signup.example"}');
    const signed = (await codeBlock(/^curl command, signed/).textContent()) ?? "";
    expect(signed).toContain("x-signature: ");
    expect((await sh("sh", ["-c", signed])).stdout).toMatch(/^HTTP\/1\.1 201/);
    const recipe = (await codeBlock("Signed in a shell with openssl").textContent()) ?? "";
    expect((await sh("sh", ["-c", recipe], { env: { ...process.env, SIGNING_SECRET: webhookSecret } })).stdout).toMatch(/^HTTP\/1\.1 200/);
    await b.screenshot("templates-06-webhook-how-to-call");

    // Stripe's timestamped scheme: the form and the curl line sign that way once it is saved.
    await page().getByRole("tab", { name: "Settings" }).click();
    await page().getByLabel("Scheme").selectOption("stripe");
    await page().keyboard.press("Control+S");
    await toast("Settings of signup-webhook saved").waitFor();
    expect((await system.api("GET", `/admin/api/scripts/${id}`)).body.config).toMatchObject({ hmacScheme: "stripe" });
    await page().getByRole("tab", { name: "Run" }).click();
    const stripeCurl = (await codeBlock(/^curl command, signed/).textContent()) ?? "";
    expect(stripeCurl).toMatch(/stripe-signature: t=\d+,v1=[0-9a-f]{64}/);
    expect((await sh("sh", ["-c", stripeCurl])).stdout).toMatch(/^HTTP\/1\.1 200/);
    await page().getByRole("button", { name: "Try it" }).click();
    await page().getByRole("button", { name: "Send POST" }).click();
    await look(page().getByRole("region", { name: "Response" }).locator(".http-status")).toContainText("200");
    const stripeRun = await execution((await lastRunOf(id)).id);
    expect(stripeRun.input.headers.some(([name, value]: [string, string]) => name === "stripe-signature" && /^t=\d+,v1=/.test(value))).toBe(true);
  });

  test("an event notification: a test event delivered to it and followed to its outcome", async () => {
    await fromTemplate(page(), "Event notification");
    expect(await page().getByLabel("Kind").inputValue()).toBe("event");
    expect(await page().getByLabel("Event types").inputValue()).toBe("payment.processed");
    expect(await page().getByLabel("Attempts before dead letter").inputValue()).toBe("5");
    const id = await createFromEditor(page());
    await page().getByRole("tab", { name: "Run" }).click();
    expect(await page().getByLabel("Event type", { exact: true }).inputValue()).toBe("payment.processed");
    expect(await page().getByLabel("Event id").inputValue()).toMatch(/^test-/);
    await look(jsonInput()).toContainText("ada@example.com");
    await page().getByRole("button", { name: "Send test event" }).click();
    await look(page().getByLabel("Output"), 20_000).toContainText('"sentTo": "ada@example.com"');
    expect(await lastRunOf(id)).toMatchObject({ trigger: "event", status: "succeeded" });
    expect(outside.requests.filter((r) => r.url === "/email/send")).toHaveLength(1);
    await b.screenshot("templates-07-event-delivered");
    await page().getByRole("button", { name: "How to call it" }).click();
    await look(codeBlock("From a service, with client/")).toContainText('iota.publishEvent({"id":"evt-0001","type":"payment.processed"');
  });

  test("a data migration: run async with its sample rows, progress and logs streaming", async () => {
    await fromTemplate(page(), "Data migration with progress");
    expect(await page().getByLabel("Kind").inputValue()).toBe("manual");
    expect(await page().getByLabel("Timeout (ms)").inputValue()).toBe("900000");
    const id = await createFromEditor(page());
    await page().getByRole("tab", { name: "Run" }).click();
    await look(jsonInput()).toContainText("ADA@LEGACY.EXAMPLE");
    await page().getByRole("button", { name: "Run v1" }).click();
    await look(page().locator(".outcome"), 20_000).toContainText("Succeeded");
    await look(page().getByLabel("Output")).toContainText('"imported": 2');
    await look(page().getByRole("progressbar", { name: "Progress" })).toHaveAttribute("aria-valuenow", "100");
    await look(page().getByRole("log", { name: "Log lines" })).toContainText("dry run: would import 2");
    expect(await lastRunOf(id)).toMatchObject({ trigger: "manual", status: "succeeded" });
    await b.screenshot("templates-08-migration-run");
  });

  test("a nightly export: its schedule in its zone, the server's next runs, and one day sent by hand", async () => {
    await fromTemplate(page(), "Nightly CSV export");
    expect(await page().getByLabel("Kind").inputValue()).toBe("scheduled");
    expect(await page().getByLabel("Cron").inputValue()).toBe("0 2 * * *");
    expect(await page().getByLabel("Time zone").inputValue()).toBe("Europe/Berlin");
    await look(page().getByText("At 02:00.")).toBeVisible();
    const id = await createFromEditor(page());
    expect((await system.api("GET", `/admin/api/scripts/${id}`)).body.config).toMatchObject({ cron: "0 2 * * *", timezone: "Europe/Berlin" });

    await page().getByRole("tab", { name: "Run" }).click();
    await page().getByRole("button", { name: "How to call it" }).click();
    const next = page().locator(".next-list li");
    await look(next).toHaveCount(5);
    await look(next.first()).toContainText("02:00:00+0");
    await b.screenshot("templates-09-export-next-runs");

    await page().getByRole("button", { name: "Try it" }).click();
    await look(jsonInput()).toContainText("2026-03-04");
    await page().getByRole("button", { name: "Run v1" }).click();
    await look(page().getByLabel("Output"), 20_000).toContainText('"date": "2026-03-04"');
    const posted = outside.requests.filter((r) => r.url === "/export");
    expect(posted).toHaveLength(1);
    expect(posted[0]!.headers).toMatchObject({ authorization: "Bearer export_token_1", "x-export-date": "2026-03-04" });

    // What the scheduler would pass for its next slot.
    await page().getByRole("button", { name: "Use the next slot" }).click();
    await look(jsonInput()).toContainText("scheduledFor");
  });
});
