// The admin in a real browser against the real product: a developer signs in, writes a script
// with the SDK's autocomplete, saves it, runs it and watches it stream, finds it in history,
// compares two versions and rolls back. Any console error in the browser fails the test.
import { readFile } from "node:fs/promises";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { System } from "../support/system.ts";
import { openAdmin, type AdminBrowser } from "./support/browser.ts";
import { ensureChromium } from "./support/chromium.ts";
import { look } from "./support/look.ts";
import { goToLineEnd, replaceText } from "./support/monaco.ts";

const password = "correct horse battery staple 42";
let system: System;
let b: AdminBrowser;
let scriptId: string;
const fixture = (name: string) => readFile(new URL(`./fixtures/${name}`, import.meta.url), "utf8");

beforeAll(async () => {
  await ensureChromium();
  system = await System.start({ env: { IOTA_BOOTSTRAP_PASSWORD: password } });
  // The admin also belongs to a second tenant, so the tenant switcher shows.
  await system.tenant("acme");
  const member = await system.api("POST", "/admin/api/users", { username: "admin", role: "owner" }, { headers: { "x-iota-tenant": "acme" } });
  expect(member.status).toBe(201);
  // A viewer, to see what the admin hides from those who may not act.
  const viewer = await system.api("POST", "/admin/api/users", { username: "vera", password: "viewer password 9 lives", role: "viewer" });
  expect(viewer.status).toBe(201);
  // An event no script could handle: one dead letter to look at.
  await system.script({
    name: "stock-watch",
    kind: "event",
    events: ["stock.low"],
    maxAttempts: 1,
    code: "export default (e) => { throw new Error('no supplier for ' + e.payload.sku); }",
  });
  await system.api("POST", "/api/events", { id: "stock-1", type: "stock.low", payload: { sku: "A-7" } });
  b = await openAdmin(system.baseUrl);
}, 600_000);

afterAll(async () => {
  await b?.close();
  await system?.destroy();
});

afterEach(() => {
  // Every console error fails the test it happened in, except those the test said it expects.
  const errors = b.errors.splice(0);
  expect(errors, "browser console errors").toEqual([]);
});

/** The browser logs every refused request; a test that provokes some says which. */
function expectRefused(status: number, path: string, times = 1): void {
  for (let n = 0; n < times; n++) {
    const i = b.errors.findIndex((e) => e.includes(`status of ${status}`) && e.includes(path));
    expect(i, `a ${status} from ${path} in ${JSON.stringify(b.errors)}`).toBeGreaterThanOrEqual(0);
    b.errors.splice(i, 1);
  }
}

const page = () => b.page;
const codeEditor = () => page().locator(".editor-code .monaco-editor");
const toast = (text: string | RegExp) => page().locator(".toast").filter({ hasText: text });

async function signIn(username: string, pass: string): Promise<void> {
  await page().getByLabel("Username").fill(username);
  await page().getByLabel("Password").fill(pass);
  await page().getByRole("button", { name: "Sign in" }).click();
}

describe("the admin", () => {
  test("signs in with a password, after refusing a wrong one", async () => {
    await page().goto("/admin/scripts");
    await page().getByRole("heading", { name: "Sign in" }).waitFor();
    await b.screenshot("01-sign-in");
    await signIn("admin", "not the password");
    await page().getByRole("alert").filter({ hasText: "Wrong username or password" }).waitFor();
    expectRefused(401, "/admin/api/session");
    await signIn("admin", password);
    await page().getByRole("heading", { name: "Scripts" }).waitFor();
    expect(page().url()).toMatch(/\/admin\/scripts$/);
    // A sign-in without a tenant lands in the user's oldest membership.
    expect(await page().getByLabel("Tenant").inputValue()).toBe("default");
    await page().getByRole("link", { name: "stock-watch" }).waitFor();
  });

  test("switches tenant", async () => {
    const tenant = page().getByLabel("Tenant");
    await tenant.selectOption("acme");
    await page().getByText("No scripts yet").waitFor();
    await tenant.selectOption("default");
    await page().getByRole("link", { name: "stock-watch" }).waitFor();
  });

  test("creates a script in the editor, with autocomplete from the SDK's types", async () => {
    await page().getByRole("button", { name: "New script" }).click();
    await page()
      .getByRole("dialog", { name: "New script" })
      .getByRole("link", { name: /Blank script/ })
      .click();
    await codeEditor().waitFor();
    await page().getByLabel("Name").fill("count-slowly");
    await page().getByLabel("Description").fill("Counts to n, slowly, reporting progress");
    await replaceText(page(), codeEditor(), await fixture("count-slowly.js"));
    // Below the log line, report progress: `ctx.` offers what the SDK declares, with its docs.
    await goToLineEnd(page(), 10);
    await page().keyboard.press("Enter");
    await page().keyboard.type("ctx.prog");
    const suggestion = page().locator(".suggest-widget .monaco-list-row").filter({ hasText: "progress" });
    await suggestion.waitFor();
    await look(page().locator(".suggest-widget")).toContainText("ScriptContext.progress(percent: number, message?: string)");
    await b.screenshot("02-editor-autocomplete");
    await page().keyboard.press("Enter");
    await page().keyboard.insertText("((i / input.n) * 100, `counted ${i}`);");
    await look(page().getByText("Unsaved", { exact: true })).toBeVisible();
    // Hovering it shows the SDK's documentation.
    const token = await codeEditor()
      .locator(".view-line span span")
      .filter({ hasText: /ctx\.progress$/ })
      .boundingBox();
    await page().mouse.move(token!.x + token!.width - 12, token!.y + token!.height / 2);
    await look(page().locator(".monaco-hover").filter({ hasText: "Reports how far a long run has got" })).toBeVisible();
    await page().mouse.move(0, 0);

    await page().keyboard.press("Control+S");
    const dialog = page().getByRole("dialog", { name: "Create the script" });
    await dialog.getByLabel("What changed?").fill("Count with progress");
    await dialog.getByRole("button", { name: "Create" }).click();
    await toast("Saved count-slowly as version 1").waitFor();
    await page().waitForURL(/\/admin\/scripts\/scr_/);
    scriptId = page().url().split("/").pop()!;
    const saved = await system.api("GET", `/admin/api/scripts/${scriptId}`);
    expect(saved.body).toMatchObject({ name: "count-slowly", kind: "manual", version: 1, description: "Counts to n, slowly, reporting progress" });
    expect(saved.body.code).toContain("    ctx.log.info(`counted ${i} of ${input.n}`);\n    ctx.progress((i / input.n) * 100, `counted ${i}`);\n  }");
    await codeEditor().waitFor();
    await look(page().getByText("Unsaved", { exact: true })).toBeHidden();
  });

  test("runs it with an input and streams the logs and progress while it runs", async () => {
    await page().getByRole("tab", { name: "Run" }).click();
    await replaceText(page(), page().locator(".json-input .monaco-editor"), '{ "n": 5 }');
    await page().getByRole("button", { name: "Run v1" }).click();
    // The first line arrives while the run is still going: streamed, not at the end.
    const logs = page().getByRole("log", { name: "Log lines" });
    await logs.getByText("counted 1 of 5").waitFor();
    await look(page().getByRole("button", { name: "Running…" })).toBeVisible();
    const progress = page().getByRole("progressbar", { name: "Progress" });
    expect(Number(await progress.getAttribute("aria-valuenow"))).toBeLessThan(100);
    await b.screenshot("03-run-streaming");
    await page().locator(".outcome").getByText("Succeeded").waitFor({ timeout: 15_000 });
    await look(logs.locator(".log")).toHaveCount(5);
    await look(page().getByLabel("Output")).toContainText('"counted": 5');
    await look(progress).toHaveAttribute("aria-valuenow", "100");
    await b.screenshot("04-run-done");

    // Sync waits for the result in one request; Ctrl+Enter runs from anywhere on the page.
    await page().getByRole("button", { name: "Sync", exact: true }).click();
    await replaceText(page(), page().locator(".json-input .monaco-editor"), '{ "n": 1 }');
    await page().keyboard.press("Control+Enter");
    await look(page().getByLabel("Output")).toContainText('"counted": 1');
    await look(logs.locator(".log")).toHaveCount(1);
  });

  test("finds the run in history, with charts, its detail, and re-runs it with an edited input", async () => {
    await page().getByRole("link", { name: "History" }).first().click();
    await page().getByRole("heading", { name: "History" }).waitFor();
    await look(page().getByRole("img", { name: "Runs per day by status" })).toBeVisible();
    const rows = page().locator("tbody tr").filter({ hasText: "count-slowly" });
    await look(rows).toHaveCount(2);
    // Newest first: the sync run of 1, then the streamed run of 5.
    const row = rows.last();
    await look(row).toContainText("Succeeded");
    await page().getByLabel("Script").selectOption({ label: "stock-watch" });
    await look(page().locator("tbody tr").filter({ hasText: "stock-watch" })).toContainText("Failed");
    await look(page().locator("tbody tr").filter({ hasText: "count-slowly" })).toHaveCount(0);
    await page().getByLabel("Script").selectOption("");
    await b.screenshot("05-history");

    await row.click();
    await page().getByRole("heading", { name: /^exe_/ }).waitFor();
    await look(page().getByLabel("Input")).toContainText('"n": 5');
    await look(page().getByLabel("Output")).toContainText('"tenant": "default"');
    await look(page().getByRole("log", { name: "Log lines" }).locator(".log")).toHaveCount(5);
    await b.screenshot("06-execution");

    await page().getByRole("button", { name: "Re-run" }).click();
    const dialog = page().getByRole("dialog", { name: "Re-run count-slowly" });
    await replaceText(page(), dialog.locator(".monaco-editor"), '{ "n": 2 }');
    await dialog.getByRole("button", { name: "Re-run" }).click();
    await page().getByRole("term").filter({ hasText: "Re-run of" }).waitFor();
    await page().locator(".page-head").getByText("Succeeded").waitFor({ timeout: 15_000 });
    await look(page().getByLabel("Output")).toContainText('"counted": 2');
  });

  test("a syntax error is marked as you type and, from the server, on save", async () => {
    await page().getByRole("link", { name: "count-slowly" }).click();
    await codeEditor().waitFor();
    await replaceText(page(), codeEditor(), "export default async function (input, ctx) {\n  return input.;\n}\n");
    await codeEditor().locator(".squiggly-error").first().waitFor();
    await page().keyboard.press("Control+S");
    await page().getByRole("dialog", { name: "Save version 2" }).getByRole("button", { name: "Save version" }).click();
    await page().getByRole("alert").filter({ hasText: "syntax error at line 2" }).waitFor();
    expectRefused(422, `/admin/api/scripts/${scriptId}`);
    await b.screenshot("07-syntax-error");
  });

  test("unsaved changes are not lost by navigating away", async () => {
    await page().getByRole("link", { name: "History" }).first().click();
    const leave = page().getByRole("dialog", { name: "Leave without saving?" });
    await leave.getByRole("button", { name: "Keep editing" }).click();
    await look(leave).toBeHidden();
    expect(page().url()).toContain(`/admin/scripts/${scriptId}`);
    // Closing the tab asks too.
    const asked = new Promise<string>((resolve) =>
      page().once("dialog", (d) => {
        resolve(d.type());
        void d.dismiss();
      }),
    );
    await page().close({ runBeforeUnload: true });
    expect(await asked).toBe("beforeunload");
    expect(page().isClosed()).toBe(false);
    // Going back discards them only when the user says so.
    await page().goBack();
    await leave.getByRole("button", { name: "Discard changes" }).click();
    await page().getByRole("heading", { name: /^exe_/ }).waitFor();
  });

  test("explains a schedule field by field, with its next runs in its zone", async () => {
    await page().goto("/admin/scripts/new");
    await page().getByLabel("Kind").selectOption("scheduled");
    await page().getByLabel("Cron").fill("30 8 * * MON-FRI");
    await page().getByLabel("Time zone").selectOption("Europe/Berlin");
    await page().getByText("At 08:30, Monday through Friday.").waitFor();
    await look(page().locator(".next-runs li")).toHaveCount(5);
    await look(page().locator(".next-runs li").first()).toContainText("08:30");
    await b.screenshot("08-schedule");
    await page().getByLabel("Cron").fill("30 25 * * *");
    await look(page().locator(".cron-bad")).toContainText("25 is out of range 0-23");
    await look(page().getByLabel("Cron")).toHaveAttribute("aria-invalid", "true");
    await page().getByRole("link", { name: "Scripts" }).first().click();
    await page().getByRole("dialog", { name: "Leave without saving?" }).getByRole("button", { name: "Discard changes" }).click();
    await page().getByRole("heading", { name: "Scripts" }).waitFor();
  });

  test("saves a second version, compares it with the first, and rolls back", async () => {
    await page().goto(`/admin/scripts/${scriptId}`);
    await codeEditor().waitFor();
    const v1 = (await system.api("GET", `/admin/api/scripts/${scriptId}/versions/1`)).body.code as string;
    await replaceText(page(), codeEditor(), v1.replace("return { counted: input.n,", "return { counted: input.n, doubled: input.n * 2,"));
    await page().keyboard.press("Control+S");
    const dialog = page().getByRole("dialog", { name: "Save version 2" });
    await dialog.getByLabel("What changed?").fill("Also report the double");
    await dialog.getByRole("button", { name: "Save version" }).click();
    await toast("Saved count-slowly as version 2").waitFor();

    await page().getByRole("link", { name: "Versions" }).click();
    await page().getByRole("heading", { name: "Versions" }).waitFor();
    await look(page().getByText("Also report the double")).toBeVisible();
    const diff = page().locator(".diff-editor");
    await diff.locator(".modified .line-insert, .modified .char-insert").first().waitFor();
    await look(diff.locator(".editor.modified")).toContainText("doubled");
    await b.screenshot("09-versions-diff");

    const version = (n: number) =>
      page()
        .locator(".version")
        .filter({ has: page().locator(".version-number", { hasText: new RegExp(`^v${n}$`) }) });
    await version(1).getByRole("button", { name: "Roll back" }).click();
    await page().getByRole("dialog", { name: "Roll back to version 1?" }).getByRole("button", { name: "Roll back to v1" }).click();
    await toast("version 3 has the code of version 1").waitFor();
    await look(version(3)).toContainText("current");
    await look(version(2).getByRole("button", { name: "Roll back" })).toBeVisible();
    const current = (await system.api("GET", `/admin/api/scripts/${scriptId}`)).body;
    expect(current.version).toBe(3);
    expect(current.code).toBe(v1);
  });

  test("lists scripts with their last run; filters, searches and disables in place", async () => {
    await page().getByRole("link", { name: "Scripts" }).first().click();
    const row = page().locator("tbody tr").filter({ hasText: "count-slowly" });
    await look(row).toContainText("v3");
    await look(row.locator(".last-run")).toContainText("Succeeded");
    await page().getByLabel("Kind").selectOption("event");
    await look(page().locator("tbody tr")).toHaveCount(1);
    await look(page().locator("tbody tr")).toContainText("stock-watch");
    await page().getByLabel("Kind").selectOption("");
    await page().getByRole("searchbox", { name: "Search scripts" }).fill("slowly");
    await look(page().locator("tbody tr")).toHaveCount(1);
    await page().waitForURL(/q=slowly/);
    await page().getByRole("switch", { name: "count-slowly enabled" }).click({ force: true });
    await toast("count-slowly disabled").waitFor();
    expect((await system.api("GET", `/admin/api/scripts/${scriptId}`)).body.enabled).toBe(false);
    await page().getByRole("button", { name: "Clear filters" }).click();
    await look(page().locator("tbody tr")).toHaveCount(2);
    await b.screenshot("10-scripts");
  });

  test("deletes a script only once the user confirms", async () => {
    const id = await system.script({ name: "retired-report", code: "export default async () => 1;" });
    await page().getByRole("link", { name: "Scripts" }).first().click();
    await page().getByRole("link", { name: "retired-report" }).click();
    await codeEditor().waitFor();

    // Cancelling keeps it.
    await page().getByRole("button", { name: "Delete script" }).click();
    const confirm = page().getByRole("dialog", { name: "Delete retired-report?" });
    await look(confirm).toContainText("Its versions and execution history stay readable");
    await confirm.getByRole("button", { name: "Cancel" }).click();
    await look(confirm).toBeHidden();
    expect(page().url()).toContain(`/admin/scripts/${id}`);
    expect((await system.api("GET", `/admin/api/scripts/${id}`)).status).toBe(200);

    await page().getByRole("button", { name: "Delete script" }).click();
    await confirm.getByRole("button", { name: "Delete script" }).click();
    await toast("retired-report deleted").waitFor();
    await page().waitForURL(/\/admin\/scripts$/);
    await page().getByRole("link", { name: "count-slowly" }).waitFor();
    await look(page().getByRole("link", { name: "retired-report" })).toHaveCount(0);
    expect((await system.api("GET", `/admin/api/scripts/${id}`)).status).toBe(404);
  });

  test("shows dead letters and keeps secrets by name only", async () => {
    await page().getByRole("link", { name: "Dead letters" }).click();
    const letter = page().locator("tbody tr").filter({ hasText: "stock.low" });
    await look(letter).toContainText("no supplier for A-7");
    await b.screenshot("11-dead-letters");
    await letter.getByRole("button", { name: "Replay stock-1" }).click();
    await page().getByRole("dialog", { name: "Replay stock.low to stock-watch" }).getByRole("button", { name: "Replay as it was" }).click();
    await toast("Replayed: a new delivery is").waitFor();
    await page().getByRole("heading", { name: /^exe_/ }).waitFor();
    await page().getByRole("link", { name: "Dead letters" }).click();
    // The replayed delivery fails again and may be dead-lettered anew, listed first: the letter
    // that was replayed is the one that says so, wherever it stands.
    await look(letter.filter({ hasText: "replayed" })).toHaveCount(1);

    await page().getByRole("link", { name: "Secrets" }).click();
    await page().getByRole("button", { name: "New secret" }).click();
    const dialog = page().getByRole("dialog", { name: "New secret" });
    await dialog.getByLabel("Name").fill("STRIPE_KEY");
    await dialog.getByLabel("Value").fill("sk_live_not_shown");
    await dialog.getByRole("button", { name: "Save secret" }).click();
    await look(page().locator("tbody tr").filter({ hasText: "STRIPE_KEY" })).toContainText("admin");
    await look(page().getByText("sk_live_not_shown")).toHaveCount(0);
    await b.screenshot("12-secrets");
  });

  test("deletes a secret only once the user confirms", async () => {
    const row = page().locator("tbody tr").filter({ hasText: "STRIPE_KEY" });
    await look(row).toHaveCount(1);

    // Cancelling keeps it.
    await row.getByRole("button", { name: "Delete STRIPE_KEY" }).click();
    const confirm = page().getByRole("dialog", { name: "Delete the secret STRIPE_KEY?" });
    await look(confirm).toContainText("Scripts that read it will no longer find it.");
    await confirm.getByRole("button", { name: "Cancel" }).click();
    await look(confirm).toBeHidden();
    await look(row).toHaveCount(1);

    await row.getByRole("button", { name: "Delete STRIPE_KEY" }).click();
    await confirm.getByRole("button", { name: "Delete secret" }).click();
    await toast("STRIPE_KEY deleted").waitFor();
    await look(row).toHaveCount(0);
    await look(page().getByText("No secrets yet")).toBeVisible();
    expect((await system.api("GET", "/admin/api/secrets")).body.items).toEqual([]);
  });

  test("a viewer sees everything and may change nothing", async () => {
    await page().getByRole("button", { name: "Sign out" }).click();
    await page().getByRole("heading", { name: "Sign in" }).waitFor();
    await signIn("vera", "viewer password 9 lives");
    await page().getByRole("heading", { name: "Scripts" }).waitFor();
    await look(page().getByRole("button", { name: "New script" })).toHaveCount(0);
    await look(page().getByRole("switch", { name: "count-slowly enabled" })).toBeDisabled();
    await page().getByRole("link", { name: "count-slowly" }).click();
    await codeEditor().waitFor();
    await look(page().getByRole("button", { name: /^Save/ })).toHaveCount(0);
    await look(page().getByLabel("Name")).toBeDisabled();
    await page().getByRole("tab", { name: "Run" }).click();
    await look(page().getByText("Your role may not run scripts.")).toBeVisible();
    await look(page().getByRole("button", { name: "Run v3" })).toBeDisabled();
    await b.screenshot("13-viewer-editor");
  });

  test("after repeated wrong passwords the form says how long to wait", async () => {
    await page().getByRole("button", { name: "Sign out" }).click();
    await page().getByRole("heading", { name: "Sign in" }).waitFor();
    const alert = page().locator(".sign-in").getByRole("alert");
    let refusals = 0;
    for (;;) {
      await signIn("vera", "guessing again");
      await look(page().getByRole("button", { name: "Signing in…" })).toHaveCount(0);
      if (await page().getByText("Too many failed attempts.").isVisible()) break;
      expect(++refusals, "sign-in attempts before the lock").toBeLessThan(10);
    }
    expectRefused(401, "/admin/api/session", refusals);
    expectRefused(429, "/admin/api/session");
    await look(alert).toContainText("Try again in");
    await b.screenshot("14-sign-in-locked");
    await look(page().getByRole("button", { name: "Sign in" })).toBeDisabled();
  });
});
