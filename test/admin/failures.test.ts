// Failures as a user meets them in the admin: the history says why each run failed, the
// execution shows what the script tried to reach and what came back, a dead letter shows its
// event and is replayed once its payload is corrected, and a run that hangs is cancelled from
// its page, the history list or the Run panel.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { startRecordingServer } from "../support/recording-server.ts";
import { System } from "../support/system.ts";
import { openAdmin, type AdminBrowser } from "./support/browser.ts";
import { ensureChromium } from "./support/chromium.ts";
import { look } from "./support/look.ts";
import { replaceText } from "./support/monaco.ts";
import { signIn } from "./support/steps.ts";

const password = "correct horse battery staple 42";
let system: System;
let b: AdminBrowser;
let outside: Awaited<ReturnType<typeof startRecordingServer>>;
let fetcher: string;
let sleeper: string;

beforeAll(async () => {
  await ensureChromium();
  outside = await startRecordingServer(() => ({ status: 502, body: { error: "upstream down" } }));
  system = await System.start({ env: { IOTA_BOOTSTRAP_PASSWORD: password, IOTA_EGRESS_ALLOW: `127.0.0.1:${outside.port}` } });
  fetcher = await system.script({
    name: "fetcher",
    code: `export default async (input, ctx) => {
      await fetch("http://127.0.0.1:9/private").catch((e) => ctx.log.warn(e.message));
      const r = await fetch("http://127.0.0.1:${outside.port}/rates");
      throw new Error("the rates service answered " + r.status);
    };`,
  });
  sleeper = await system.script({
    name: "sleeper",
    timeoutMs: 120_000,
    code: `export default async (input, ctx) => { ctx.log.info("waiting for a reply that never comes"); await new Promise((r) => setTimeout(r, 110_000)); };`,
  });
  await system.script({
    name: "stock-watch",
    kind: "event",
    events: ["stock.low"],
    maxAttempts: 1,
    code: `export default async (e, ctx) => { if (!e.payload.supplier) throw new Error("no supplier for " + e.payload.sku); ctx.log.info("reordered from " + e.payload.supplier); return { reordered: e.payload.sku }; };`,
  });
  expect((await system.run(fetcher, {})).body.status).toBe("failed");
  await system.api("POST", "/api/events", { id: "stock-9", type: "stock.low", payload: { sku: "A-7", qty: 2 } });
  b = await openAdmin(system.baseUrl);
  await b.page.goto("/admin/history");
  await signIn(b.page, "admin", password);
  await b.page.getByRole("heading", { name: "History" }).waitFor();
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
const rows = () => page().locator("tbody tr");
const confirmCancel = () =>
  page()
    .getByRole("dialog", { name: /^Cancel this/ })
    .getByRole("button", { name: "Cancel the run" })
    .click();

async function startAsync(scriptId: string): Promise<string> {
  const r = await system.api("POST", `/admin/api/scripts/${scriptId}/runs`, { input: {}, mode: "async" });
  expect(r.status).toBe(202);
  return r.body.id;
}

// Each test walks a whole flow in a real browser on a shared machine: more than the default 30 s.
describe("failures in the admin", { timeout: 120_000 }, () => {
  test("the history says why each run failed, beside its code", async () => {
    const row = rows().filter({ hasText: "fetcher" });
    await look(row.locator(".error-code")).toContainText("SCRIPT_ERROR");
    await look(row.locator(".error-message")).toContainText("the rates service answered 502");
    await b.screenshot("failures-01-history-errors");
  });

  test("the execution shows its outbound requests: the one the policy refused and why, and the 502 that came back", async () => {
    await rows().filter({ hasText: "fetcher" }).click();
    await page().getByRole("heading", { name: /^exe_/ }).waitFor();
    const outbound = page().getByRole("table", { name: "Outbound requests" });
    await look(outbound.locator("tbody tr")).toHaveCount(2);
    await look(outbound.locator("tbody tr").first()).toContainText("refused");
    await look(outbound.locator("tbody tr").first()).toContainText("http://127.0.0.1:9/private");
    await look(outbound.locator("tbody tr").last()).toContainText("502");
    await look(outbound.locator("tbody tr").last()).toContainText(`127.0.0.1:${outside.port}`);
    await look(page().getByLabel("Error")).toContainText("the rates service answered 502");
    await b.screenshot("failures-02-outbound");
  });

  test("a dead letter shows its event and payload, and is replayed with the payload corrected", async () => {
    await page().getByRole("link", { name: "Dead letters" }).click();
    const letter = rows().filter({ hasText: "stock-9" });
    await look(letter).toContainText("stock.low");
    await look(letter).toContainText('{"sku":"A-7","qty":2}');
    await look(letter).toContainText("no supplier for A-7");
    await b.screenshot("failures-03-dead-letters");

    await letter.getByRole("button", { name: "Replay stock-9" }).click();
    const dialog = page().getByRole("dialog", { name: "Replay stock.low to stock-watch" });
    await look(dialog).toContainText("stock-9");
    await look(dialog.locator(".monaco-editor .view-lines")).toContainText("A-7");
    await look(dialog.getByRole("button", { name: "Replay as it was" })).toBeVisible();
    await replaceText(page(), dialog.locator(".monaco-editor"), '{ "sku": "A-7", "qty": 2, "supplier": "Acme Parts" }');
    await look(dialog.getByRole("button", { name: "Replay edited" })).toBeVisible();
    await b.screenshot("failures-04-replay-edited");
    await dialog.getByRole("button", { name: "Replay edited" }).click();

    await page().getByRole("heading", { name: /^exe_/ }).waitFor();
    await look(page().locator(".page-head"), 20_000).toContainText("Succeeded");
    await look(page().getByLabel("Output")).toContainText('"reordered": "A-7"');
    await look(page().getByLabel("Input")).toContainText('"supplier": "Acme Parts"');
    await page().getByRole("link", { name: "Dead letters" }).click();
    await look(rows().filter({ hasText: "stock-9" })).toContainText("replayed");
  });

  test("a running execution is cancelled from its page; its logs are kept", async () => {
    const id = await startAsync(sleeper);
    await page().goto(`/admin/history/${id}`);
    await look(page().getByRole("log", { name: "Log lines" }), 20_000).toContainText("waiting for a reply");
    await page()
      .getByRole("button", { name: `Cancel execution ${id}` })
      .click();
    await confirmCancel();
    await look(page().locator(".page-head"), 20_000).toContainText("Cancelled");
    await look(page().getByLabel("Error")).toContainText("cancelled by admin");
    await look(page().getByRole("log", { name: "Log lines" })).toContainText("waiting for a reply");
    await look(page().getByRole("button", { name: `Cancel execution ${id}` })).toHaveCount(0);
    expect((await system.api("GET", `/admin/api/executions/${id}`)).body.status).toBe("cancelled");
    await b.screenshot("failures-05-cancelled");
  });

  test("a queued execution is cancelled from the history list, a running one from the Run panel", async () => {
    // One run at a time: the second waits in the queue.
    expect((await system.api("PATCH", "/admin/api/tenants/default", { maxConcurrency: 1 })).status).toBe(200);
    try {
      const running = await startAsync(sleeper);
      const queued = await startAsync(sleeper);
      expect((await system.api("GET", `/admin/api/executions/${queued}`)).body.status).toBe("queued");
      await page().goto("/admin/history");
      const queuedRow = rows().filter({ has: page().locator(`a[href$="${queued}"]`) });
      await look(queuedRow).toContainText("Queued");
      await b.screenshot("failures-06-queued");
      await queuedRow.getByRole("button", { name: `Cancel execution ${queued}` }).click();
      await confirmCancel();
      await look(queuedRow).toContainText("Cancelled");
      expect((await system.api("GET", `/admin/api/executions/${queued}`)).body).toMatchObject({ status: "cancelled", startedAt: null });
      await system.api("POST", `/admin/api/executions/${running}/cancel`);
    } finally {
      await system.api("PATCH", "/admin/api/tenants/default", { maxConcurrency: null });
    }

    await page().goto(`/admin/scripts/${sleeper}`);
    await page().getByRole("tab", { name: "Run" }).click();
    await page().getByRole("button", { name: "Run v1" }).click();
    await look(page().getByRole("log", { name: "Log lines" }), 20_000).toContainText("waiting for a reply");
    await page()
      .locator(".run-try")
      .getByRole("button", { name: /^Cancel execution/ })
      .click();
    await confirmCancel();
    await look(page().locator(".outcome"), 20_000).toContainText("Cancelled");
  });
});
