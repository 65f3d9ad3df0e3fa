// The tenant's own pages, as its owner (also a platform admin) uses them: settings (retention,
// egress, alert defaults, and the platform's limits), API tokens shown once and revoked, users
// added by password or by join code, alert rules of the tenant and of each script, and usage
// per day and month against the quota, for this tenant and for every tenant.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { System } from "../support/system.ts";
import { openAdmin, type AdminBrowser } from "./support/browser.ts";
import { ensureChromium } from "./support/chromium.ts";
import { look } from "./support/look.ts";
import { signIn } from "./support/steps.ts";

const password = "correct horse battery staple 42";
let system: System;
let b: AdminBrowser;
let acme: { slug: string; token: string };

beforeAll(async () => {
  await ensureChromium();
  system = await System.start({ env: { IOTA_BOOTSTRAP_PASSWORD: password } });
  acme = await system.tenant("acme");
  // Someone with an account in acme only, who will join the default tenant by a code.
  expect(
    (await system.api("POST", "/admin/api/users", { username: "jo", password: "jo's long password 1", role: "developer" }, { token: acme.token })).status,
  ).toBe(201);
  const greet = await system.script({ name: "greet", code: "export default async (input) => ({ hello: input?.name ?? 'you' });" });
  const broken = await system.script({ name: "always-broken", code: "export default async () => { throw new Error('out of paper'); };" });
  await system.script({ name: "payroll", code: "export default async () => 1;", alerts: [{ on: ["failed"], webhook: "https://hooks.example.com/payroll" }] });
  for (let i = 0; i < 3; i++) await system.run(greet, { name: `n${i}` });
  await system.run(broken, {});
  await system.script({ name: "acme-job", code: "export default async () => 2;" }, acme.token).then((id) => system.run(id, {}, acme.token));
  b = await openAdmin(system.baseUrl);
  await b.page.goto("/admin/settings");
  await signIn(b.page, "admin", password);
  await b.page.getByRole("heading", { name: "Settings" }).waitFor();
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
const toast = (text: string | RegExp) => page().locator(".toast").filter({ hasText: text });
const nav = (name: string) => page().getByRole("navigation", { name: "Main" }).getByRole("link", { name });
const rows = () => page().locator("tbody tr");

/** A session of another user, through the API, as their own browser would hold it. */
async function sessionOf(username: string, pass: string) {
  const r = await fetch(`${system.baseUrl}/admin/api/session`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password: pass }),
  });
  expect(r.status).toBe(200);
  const cookie = r.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");
  const { csrfToken } = (await r.json()) as { csrfToken: string };
  return (path: string, body: unknown) =>
    fetch(`${system.baseUrl}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie, "x-csrf-token": csrfToken },
      body: JSON.stringify(body),
    }).then((x) => x.json());
}

// Each test walks a whole flow in a real browser on a shared machine: more than the default 30 s.
describe("the tenant's pages", { timeout: 120_000 }, () => {
  test("every page is in the navigation of an owner who is a platform admin, and none says there is nothing at its address", async () => {
    const pages: [string, string][] = [
      ["Scripts", "/admin/scripts"],
      ["History", "/admin/history"],
      ["Dead letters", "/admin/dead-letters"],
      ["Usage", "/admin/usage"],
      ["Secrets", "/admin/secrets"],
      ["Alerts", "/admin/alerts"],
      ["API tokens", "/admin/tokens"],
      ["Users", "/admin/users"],
      ["Settings", "/admin/settings"],
      ["API reference", "/admin/api-reference"],
    ];
    for (const [name, path] of pages) {
      await nav(name).click();
      await page().waitForURL(new RegExp(`${path}$`));
      await page().locator(".page-title").first().waitFor();
      await look(page().getByText("There is nothing at this address")).toHaveCount(0);
    }
    await nav("Settings").click();
    await page().getByRole("heading", { name: "Settings" }).waitFor();
    await b.screenshot("pages-01-navigation");
  });

  test("settings: retention, egress lists and alert defaults are saved; a wrong host is named before saving", async () => {
    await nav("Settings").click();
    await page().getByLabel("Keep history for (days)").fill("45");
    await page().getByLabel("Allow only").fill("api.stripe.com\nnot a host!");
    await look(page().getByText(/egressAllow\[1\] must be host names/)).toBeVisible();
    await page().getByLabel("Allow only").fill("api.stripe.com\n*.example.com");
    await page().getByLabel("Never").fill("evil.example.com");
    await page().getByRole("button", { name: "+ Add a rule" }).click();
    await page().getByLabel("Default alert rule 1 email").fill("ops@example.com");
    await b.screenshot("pages-02-settings");
    await page().getByRole("button", { name: "Save settings" }).click();
    await toast("Settings saved").waitFor();
    const saved = (await system.api("GET", "/admin/api/settings")).body;
    expect(saved).toMatchObject({
      retentionDays: 45,
      egressAllow: ["api.stripe.com", "*.example.com"],
      egressDeny: ["evil.example.com"],
      alerts: [{ on: ["failed", "timed_out"], email: "ops@example.com" }],
    });
  });

  test("settings: a platform admin sets the tenant's concurrency and budgets, empty meaning the default", async () => {
    const limits = page().getByRole("form", { name: "Platform limits" });
    await limits.getByLabel("Running at once").fill("5");
    await limits.getByLabel("History per day (MB)").fill("512");
    await limits.getByRole("button", { name: "Save limits" }).click();
    await toast("Limits of default saved").waitFor();
    const tenant = (await system.api("GET", "/admin/api/tenants")).body.items.find((t: { slug: string }) => t.slug === "default");
    expect(tenant).toMatchObject({ maxConcurrency: 5, maxHistoryBytesPerDay: 512 * 1024 * 1024, maxQueued: null });
    // A toast goes when clicked: the next save's is then the only one.
    await toast("Limits of default saved").click();
    await look(toast("Limits of default saved")).toHaveCount(0);
    await limits.getByLabel("Running at once").fill("");
    await limits.getByRole("button", { name: "Save limits" }).click();
    await toast("Limits of default saved").waitFor();
    expect((await system.api("GET", "/admin/api/tenants")).body.items.find((t: { slug: string }) => t.slug === "default").maxConcurrency).toBeNull();
  });

  test("API tokens: made with a role, shown once with a copy button, and revoked", async () => {
    await nav("API tokens").click();
    await page().getByRole("button", { name: "New token" }).click();
    const dialog = page().getByRole("dialog", { name: "New API token" });
    await dialog.getByLabel("Name").fill("billing-service");
    await dialog.getByLabel("Role").selectOption("developer");
    await dialog.getByRole("button", { name: "Create token" }).click();
    const shown = page().getByRole("dialog", { name: "Token billing-service" });
    await look(shown).toContainText("shown only this once");
    const token = (await shown.locator("pre").textContent()) ?? "";
    expect(token).toMatch(/^iota_/);
    await shown.getByRole("button", { name: "Copy the token" }).click();
    await toast("Token copied").waitFor();
    expect(await page().evaluate(() => navigator.clipboard.readText())).toBe(token);
    await b.screenshot("pages-03-token-once");
    expect((await system.api("GET", "/admin/api/me", undefined, { token })).body).toMatchObject({ role: "developer", tenant: { slug: "default" } });
    await shown.getByRole("button", { name: "Done" }).click();

    const row = rows().filter({ hasText: "billing-service" });
    await look(row).toContainText("developer");
    await row.getByRole("button", { name: "Revoke billing-service" }).click();
    await page().getByRole("dialog", { name: "Revoke billing-service?" }).getByRole("button", { name: "Revoke token" }).click();
    await toast("billing-service revoked").waitFor();
    await look(row).toHaveCount(0);
    expect((await system.api("GET", "/admin/api/me", undefined, { token })).status).toBe(401);
  });

  test("users: a new user with a password, someone from another tenant by their join code, and a removal", async () => {
    await nav("Users").click();
    await page().getByRole("button", { name: "Add a user" }).click();
    let dialog = page().getByRole("dialog", { name: "Add a user" });
    await dialog.getByLabel("Username").fill("nina");
    await dialog.getByLabel("Password").fill("short");
    await dialog.getByLabel("Role").selectOption("viewer");
    await dialog.getByRole("button", { name: "Add user" }).click();
    await look(dialog.getByRole("alert")).toContainText("password must be 10 to 200 characters");
    await dialog.getByLabel("Password").fill("nina's long password");
    await dialog.getByRole("button", { name: "Add user" }).click();
    await toast("nina added as viewer").waitFor();
    await look(rows().filter({ hasText: "nina" })).toContainText("viewer");

    // jo, a member of acme only, asks to join: their code, handed to this tenant's owner.
    const jo = await sessionOf("jo", "jo's long password 1");
    const { joinCode } = (await jo("/admin/api/me/join-code", { tenant: "default" })) as { joinCode: string };
    await page().getByRole("button", { name: "Add a user" }).click();
    dialog = page().getByRole("dialog", { name: "Add a user" });
    await dialog.getByRole("button", { name: "Someone with an account" }).click();
    await dialog.getByLabel("Join code").fill(joinCode);
    await dialog.getByLabel("Role").selectOption("developer");
    await b.screenshot("pages-04-add-by-join-code");
    await dialog.getByRole("button", { name: "Add user" }).click();
    await toast("jo added as developer").waitFor();
    await look(rows().filter({ hasText: "jo" })).toContainText("developer");
    await b.screenshot("pages-05-users");

    const nina = rows().filter({ hasText: "nina" });
    await nina.getByRole("button", { name: "Remove nina" }).click();
    await page().getByRole("dialog", { name: "Remove nina from default?" }).getByRole("button", { name: "Remove" }).click();
    await toast("nina removed").waitFor();
    await look(nina).toHaveCount(0);
    // Oneself cannot be removed: the button is not offered.
    await look(
      rows()
        .filter({ hasText: "admin" })
        .getByRole("button", { name: /^Remove/ }),
    ).toHaveCount(0);
  });

  test("join another tenant: a signed-in user makes a code for that tenant's owner", async () => {
    await page().getByRole("button", { name: "Join another tenant" }).click();
    const dialog = page().getByRole("dialog", { name: "Join another tenant" });
    await dialog.getByLabel("The tenant's slug").fill("acme");
    await dialog.getByRole("button", { name: "Make a join code" }).click();
    await look(dialog.locator("pre")).toBeVisible();
    expect(((await dialog.locator("pre").textContent()) ?? "").length).toBeGreaterThan(10);
    await look(dialog).toContainText("For the owner of acme");
    await dialog.getByRole("button", { name: "Done" }).click();
  });

  test("alerts: the tenant's defaults and each script's own rules", async () => {
    await nav("Alerts").click();
    await look(page().getByLabel("Default alert rule 1 email")).toBeVisible();
    expect(await page().getByLabel("Default alert rule 1 email").inputValue()).toBe("ops@example.com");
    const payroll = rows().filter({ hasText: "payroll" });
    await look(payroll).toContainText("failed → webhook hooks.example.com");
    await page().getByRole("button", { name: "+ Add a rule" }).click();
    await page().getByLabel("Default alert rule 2 webhook").fill("https://chat.example.com/hooks/ops");
    await page().getByRole("group", { name: "Default alert rule 2 outcomes" }).getByText("Dead-lettered").click();
    await b.screenshot("pages-06-alerts");
    await page().getByRole("button", { name: "Save defaults" }).click();
    await toast("Alert defaults saved").waitFor();
    expect((await system.api("GET", "/admin/api/settings")).body.alerts).toEqual([
      { on: ["failed", "timed_out"], email: "ops@example.com" },
      { on: ["failed", "timed_out", "dead_letter"], webhook: "https://chat.example.com/hooks/ops" },
    ]);
    // A script's own rules are edited in its settings.
    await payroll.getByRole("link", { name: "payroll" }).click();
    await look(page().getByRole("group", { name: "Alert rules" }).getByRole("button", { name: "Its own rules" })).toHaveAttribute("aria-pressed", "true");
    await look(page().getByLabel("Alert rule 1 webhook")).toBeVisible();
    expect(await page().getByLabel("Alert rule 1 webhook").inputValue()).toBe("https://hooks.example.com/payroll");
  });

  test("usage: runs per day and month by status and where the tenant stands now; every tenant for a platform admin", async () => {
    await nav("Usage").click();
    await page().getByRole("heading", { name: /runs/ }).waitFor();
    await look(page().locator(".usage-totals")).toContainText("Succeeded 3");
    await look(page().locator(".usage-totals")).toContainText("Failed 1");
    await look(page().getByRole("img", { name: "Runs per day by status" })).toBeVisible();
    await look(page().getByRole("table", { name: "Runs by month" }).locator("tbody tr").last()).toContainText("4");
    await look(page().getByRole("meter", { name: "Running" })).toBeVisible();
    await look(page().locator(".meters")).toContainText("of 10");
    await b.screenshot("pages-07-usage");

    await page().getByRole("button", { name: "Every tenant" }).click();
    const every = page().getByRole("table", { name: "Usage of every tenant" });
    await look(every.locator("tbody tr")).toHaveCount(2);
    await look(every.locator("tbody tr").filter({ hasText: "acme" })).toContainText("1");
    await b.screenshot("pages-08-usage-every-tenant");
    await every.getByRole("link", { name: "acme inc." }).click();
    await page().waitForURL(/tenant=acme/);
    await look(page().locator(".page-sub")).toContainText("Tenant acme");
    await look(page().locator(".usage-totals")).toContainText("Succeeded 1");
  });
});
