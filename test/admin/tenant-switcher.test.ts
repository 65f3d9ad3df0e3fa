// The tenant switcher in a real browser: a platform admin may work in every tenant, members or
// not; anyone else chooses only among the tenants they belong to.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { System } from "../support/system.ts";
import { openAdmin, type AdminBrowser } from "./support/browser.ts";
import { ensureChromium } from "./support/chromium.ts";
import { look } from "./support/look.ts";

const password = "correct horse battery staple 42";
const ritaPassword = "rita's own password 77";
let system: System;
let b: AdminBrowser;

beforeAll(async () => {
  await ensureChromium();
  system = await System.start({ env: { IOTA_BOOTSTRAP_PASSWORD: password } });
  // The platform admin belongs to default and acme; globex is someone else's.
  await system.tenant("acme");
  const globex = await system.tenant("globex");
  const joined = await system.api("POST", "/admin/api/users", { username: "admin", role: "owner" }, { headers: { "x-iota-tenant": "acme" } });
  expect(joined.status).toBe(201);
  await system.script({ name: "home-report", code: "export default async () => 'home';" });
  await system.script(
    {
      name: "globex-invoices",
      code: "export default async (input, ctx) => { ctx.log.info('invoicing for ' + ctx.tenant.slug); return { tenant: ctx.tenant.slug }; };",
    },
    globex.token,
  );
  // Rita belongs to default and acme, and is no platform admin.
  const rita = await system.api("POST", "/admin/api/users", { username: "rita", password: ritaPassword, role: "developer" });
  expect(rita.status).toBe(201);
  const ritaInAcme = await system.api("POST", "/admin/api/users", { username: "rita", role: "viewer" }, { headers: { "x-iota-tenant": "acme" } });
  expect(ritaInAcme.status).toBe(201);
  b = await openAdmin(system.baseUrl);
}, 600_000);

afterAll(async () => {
  await b?.close();
  await system?.destroy();
});

afterEach(() => {
  const errors = b.errors.splice(0);
  expect(errors, "browser console errors").toEqual([]);
});

const page = () => b.page;
const tenant = () => page().getByLabel("Tenant");
const optionLabels = () => tenant().locator("option").allInnerTexts();

async function signIn(username: string, pass: string): Promise<void> {
  await page().getByLabel("Username").fill(username);
  await page().getByLabel("Password").fill(pass);
  await page().getByRole("button", { name: "Sign in" }).click();
  await page().getByRole("heading", { name: "Scripts" }).waitFor();
}

describe("the tenant switcher", () => {
  test("a platform admin sees every tenant, and works in one they are not a member of", async () => {
    await page().goto("/admin/scripts");
    await signIn("admin", password);
    await page().getByRole("link", { name: "home-report" }).waitFor();
    const others = tenant().locator('optgroup[label="Other tenants (platform admin)"] option');
    await look(others).toHaveCount(1);
    await look(others).toContainText("globex inc.");
    expect(await tenant().locator('optgroup[label="Your tenants"] option').allInnerTexts()).toEqual(["Default", "acme inc."]);
    await b.screenshot("tenants-01-platform-admin");

    await tenant().selectOption("globex");
    await page().getByRole("link", { name: "globex-invoices" }).waitFor();
    await look(page().getByRole("link", { name: "home-report" })).toHaveCount(0);
    expect(await tenant().inputValue()).toBe("globex");

    // Writes and the live log stream work there too: a run streams and finishes in globex.
    await page().getByRole("link", { name: "globex-invoices" }).click();
    await page().getByRole("tab", { name: "Run" }).click();
    await page().getByRole("button", { name: "Run v1" }).click();
    await page().getByRole("log", { name: "Log lines" }).getByText("invoicing for globex").waitFor();
    await page().locator(".outcome").getByText("Succeeded").waitFor({ timeout: 15_000 });
    await look(page().getByLabel("Output")).toContainText('"tenant": "globex"');

    // A reload stays in globex; the session itself never left default.
    await page().reload();
    await page().getByRole("tab", { name: "Run" }).waitFor();
    expect(await tenant().inputValue()).toBe("globex");

    await tenant().selectOption("default");
    await page().getByRole("link", { name: "home-report" }).waitFor();
    await look(page().getByRole("link", { name: "globex-invoices" })).toHaveCount(0);
  });

  test("anyone else chooses only among their own tenants", async () => {
    await page().getByRole("button", { name: "Sign out" }).click();
    await page().getByRole("heading", { name: "Sign in" }).waitFor();
    await signIn("rita", ritaPassword);
    expect(await optionLabels()).toEqual(["Default", "acme inc."]);
    await look(tenant().locator("optgroup")).toHaveCount(0);
    await b.screenshot("tenants-02-member");
  });
});
