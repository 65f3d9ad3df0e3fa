// What each role sees and may do in the admin: the navigation offers only the pages a role may
// use, a page it may not use says so (rather than failing on the API's refusal), and actions it
// may not take are not offered. The API refuses them anyway; this is about not inviting them.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { System } from "../support/system.ts";
import { openAdmin, type AdminBrowser } from "./support/browser.ts";
import { ensureChromium } from "./support/chromium.ts";
import { look } from "./support/look.ts";
import { signIn, signOut } from "./support/steps.ts";

const password = "correct horse battery staple 42";
const people = { adam: "admin", devi: "developer", vera: "viewer" } as const;
const passwordOf = (name: string) => `${name}'s password, long enough`;
let system: System;
let b: AdminBrowser;
let hook: string;
let sleeper: string;
let running: string;

const everyPage = ["Scripts", "History", "Dead letters", "Usage", "Secrets", "Alerts", "API tokens", "Users", "Settings", "API reference"];
const pagesOf: Record<string, string[]> = {
  owner: everyPage,
  admin: everyPage.filter((p) => p !== "Users"),
  developer: ["Scripts", "History", "Dead letters", "Usage", "Secrets", "API reference"],
  viewer: ["Scripts", "History", "Dead letters", "Usage", "Secrets", "API reference"],
};

beforeAll(async () => {
  await ensureChromium();
  system = await System.start({ env: { IOTA_BOOTSTRAP_PASSWORD: password } });
  for (const [username, role] of Object.entries(people)) {
    expect((await system.api("POST", "/admin/api/users", { username, password: passwordOf(username), role })).status).toBe(201);
  }
  hook = await system.script({
    name: "inbound-hook",
    kind: "http",
    path: "/hooks/in",
    methods: ["POST"],
    access: "hmac",
    hmacSecret: "HOOK_SECRET",
    code: "export default async (req) => ({ ok: true });",
  });
  sleeper = await system.script({
    name: "sleeper",
    timeoutMs: 120_000,
    code: "export default async () => { await new Promise((r) => setTimeout(r, 110_000)); };",
  });
  await system.script({
    name: "stock-watch",
    kind: "event",
    events: ["stock.low"],
    maxAttempts: 1,
    code: "export default (e) => { throw new Error('no supplier'); };",
  });
  await system.api("POST", "/api/events", { id: "stock-1", type: "stock.low", payload: { sku: "A-7" } });
  running = (await system.api("POST", `/admin/api/scripts/${sleeper}/runs`, { mode: "async" })).body.id;
  b = await openAdmin(system.baseUrl);
  await b.page.goto("/admin/scripts");
}, 600_000);

afterAll(async () => {
  await system?.api("POST", `/admin/api/executions/${running}/cancel`);
  await b?.close();
  await system?.destroy();
});

afterEach(() => {
  const errors = b.errors.splice(0);
  expect(errors, "browser console errors").toEqual([]);
});

const page = () => b.page;
const navLinks = () => page().getByRole("navigation", { name: "Main" }).getByRole("link");

async function as(username: string, pass: string) {
  await signIn(page(), username, pass);
  await page().getByRole("heading", { name: "Scripts" }).waitFor();
}

async function expectNavigation(role: string) {
  await look(navLinks()).toHaveCount(pagesOf[role]!.length);
  expect(await navLinks().allInnerTexts()).toEqual(pagesOf[role]!.map((p) => expect.stringContaining(p)));
}

async function expectForbidden(path: string, role: string, what: string) {
  await page().goto(path);
  await page().getByText(`Your role (${role}) may not ${what}`).waitFor();
}

// Each test walks a whole flow in a real browser on a shared machine: more than the default 30 s.
describe("each role in the admin", { timeout: 120_000 }, () => {
  test("an owner: every page and every action", async () => {
    await as("admin", password);
    await expectNavigation("owner");
    await page().getByRole("link", { name: "inbound-hook" }).click();
    await page().getByLabel("Signing secret", { exact: true }).waitFor();
    await look(page().getByLabel("Value of HOOK_SECRET")).toBeVisible();
    await page().goto(`/admin/history/${running}`);
    await look(page().getByRole("button", { name: `Cancel execution ${running}` })).toBeVisible();
    await b.screenshot("roles-01-owner");
    await signOut(page());
  });

  test("an admin: everything but users, and tokens no stronger than an admin", async () => {
    await as("adam", passwordOf("adam"));
    await expectNavigation("admin");
    await expectForbidden("/admin/users", "admin", "manage users");
    await b.screenshot("roles-02-admin-no-users");
    await page().getByRole("navigation", { name: "Main" }).getByRole("link", { name: "API tokens" }).click();
    await page().getByRole("button", { name: "New token" }).click();
    const roles = await page().getByRole("dialog", { name: "New API token" }).getByLabel("Role").locator("option").allInnerTexts();
    expect(roles.map((r) => r.split(":")[0])).toEqual(["admin", "developer", "viewer"]);
    await page().keyboard.press("Escape");
    await signOut(page());
  });

  test("a developer: writes and runs scripts; no tenant settings, tokens, users or alerts; secrets by name only", async () => {
    await as("devi", passwordOf("devi"));
    await expectNavigation("developer");
    await look(page().getByRole("button", { name: "New script" })).toBeVisible();
    for (const [path, what] of [
      ["/admin/settings", "change the tenant's settings"],
      ["/admin/tokens", "manage API tokens"],
      ["/admin/alerts", "manage alerts"],
      ["/admin/users", "manage users"],
    ] as const) {
      await expectForbidden(path, "developer", what);
    }
    await b.screenshot("roles-03-developer-forbidden");
    // The signing secret's value is an owner's or admin's to set.
    await page().goto(`/admin/scripts/${hook}`);
    await page().getByLabel("Signing secret", { exact: true }).waitFor();
    await look(page().getByText("An owner or admin sets its value on the Secrets page.")).toBeVisible();
    await look(page().getByLabel("Value of HOOK_SECRET")).toHaveCount(0);
    await page().getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Secrets" }).click();
    await page().getByRole("heading", { name: "Secrets" }).waitFor();
    await look(page().getByRole("button", { name: "New secret" })).toHaveCount(0);
    // Runs are theirs to cancel and replay.
    await page().goto(`/admin/history/${running}`);
    await look(page().getByRole("button", { name: `Cancel execution ${running}` })).toBeVisible();
    await page().goto("/admin/dead-letters");
    await look(page().getByRole("button", { name: "Replay stock-1" })).toBeVisible();
    await signOut(page());
  });

  test("a viewer: reads everything it may, and is offered nothing to change or run", async () => {
    await as("vera", passwordOf("vera"));
    await expectNavigation("viewer");
    await b.screenshot("roles-04-viewer-scripts");
    await look(page().getByRole("button", { name: "New script" })).toHaveCount(0);
    await look(page().getByRole("switch", { name: "sleeper enabled" })).toBeDisabled();
    await expectForbidden("/admin/tokens", "viewer", "manage API tokens");
    await expectForbidden("/admin/settings", "viewer", "change the tenant's settings");

    await page().goto(`/admin/scripts/${hook}`);
    await page().getByLabel("Signing secret", { exact: true }).waitFor();
    await look(page().getByLabel("Name", { exact: true })).toBeDisabled();
    await look(page().getByLabel("Kind")).toBeDisabled();
    await look(page().getByRole("button", { name: /^Save/ })).toHaveCount(0);
    await page().getByRole("tab", { name: "Run" }).click();
    await look(page().getByText("Your role may not run scripts.")).toBeVisible();
    await look(page().getByRole("button", { name: "Send POST" })).toBeDisabled();
    await page().getByRole("button", { name: "How to call it" }).click();
    await look(page().locator(".code-block").first()).toContainText("/api/tenants/default/scripts/hooks/in");
    await b.screenshot("roles-05-viewer-run-panel");

    await page().goto(`/admin/history/${running}`);
    await page().getByRole("heading", { name: running }).waitFor();
    await look(page().getByRole("button", { name: `Cancel execution ${running}` })).toHaveCount(0);
    await look(page().getByRole("button", { name: "Re-run" })).toHaveCount(0);
    await page().goto("/admin/history");
    await look(page().locator("tbody tr").filter({ hasText: "sleeper" })).toContainText("Running");
    await look(page().getByRole("button", { name: /^Cancel execution/ })).toHaveCount(0);
    await page().goto("/admin/dead-letters");
    await look(page().locator("tbody tr").filter({ hasText: "stock-1" })).toContainText("no supplier");
    await look(page().getByRole("button", { name: "Replay stock-1" })).toHaveCount(0);
    await page().goto("/admin/usage");
    await page().getByRole("heading", { name: "Now" }).waitFor();
    await look(page().getByRole("button", { name: "Every tenant" })).toHaveCount(0);
    await b.screenshot("roles-06-viewer-usage");
    await signOut(page());
  });
});
