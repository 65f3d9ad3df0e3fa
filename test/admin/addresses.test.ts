// The admin's addresses in a real browser: a link to one execution or to a filtered history
// opens that screen straight away and survives a reload, and an address with no screen says so
// while the navigation around it keeps working.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { System } from "../support/system.ts";
import { openAdmin, type AdminBrowser } from "./support/browser.ts";
import { ensureChromium } from "./support/chromium.ts";
import { signIn } from "./support/steps.ts";
import { look } from "./support/look.ts";

const password = "correct horse battery staple 42";
let system: System;
let b: AdminBrowser;
let succeeded: string;

beforeAll(async () => {
  await ensureChromium();
  system = await System.start({ env: { IOTA_BOOTSTRAP_PASSWORD: password } });
  // One run that works and one that fails, to filter between.
  const greet = await system.script({ name: "greet", code: "export default async (input) => ({ hello: input.name });" });
  const broken = await system.script({ name: "always-broken", code: "export default async () => { throw new Error('out of paper'); };" });
  succeeded = (await system.run(greet, { name: "ada" })).body.id;
  const failed = (await system.run(broken, {})).body.id;
  expect((await system.waitForExecution(succeeded)).status).toBe("succeeded");
  expect((await system.waitForExecution(failed)).status).toBe("failed");
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
const rows = () => page().locator("tbody tr");

describe("the admin's addresses", () => {
  test("a link to one execution opens it after sign-in, and again on reload", async () => {
    await page().goto(`/admin/history/${succeeded}`);
    await signIn(page(), "admin", password);
    await page().getByRole("heading", { name: succeeded }).waitFor();
    await look(page().getByLabel("Output")).toContainText('"hello": "ada"');

    await page().reload();
    await page().getByRole("heading", { name: succeeded }).waitFor();
    expect(page().url()).toMatch(new RegExp(`/admin/history/${succeeded}$`));
    await look(page().getByLabel("Output")).toContainText('"hello": "ada"');
    await b.screenshot("addresses-01-execution-reloaded");
  });

  test("a filtered history address shows the filter applied, and keeps it on reload", async () => {
    await page().goto("/admin/history?status=failed");
    await page().getByRole("heading", { name: "History" }).waitFor();
    expect(await page().getByRole("combobox", { name: "Status" }).inputValue()).toBe("failed");
    await look(rows().filter({ hasText: "always-broken" })).toContainText("Failed");
    await look(rows()).toHaveCount(1);
    await look(page().getByRole("button", { name: "Clear filters" })).toBeVisible();

    await page().reload();
    await page().getByRole("heading", { name: "History" }).waitFor();
    expect(await page().getByRole("combobox", { name: "Status" }).inputValue()).toBe("failed");
    await look(rows().filter({ hasText: "always-broken" })).toContainText("Failed");
    await look(rows()).toHaveCount(1);
    await b.screenshot("addresses-02-history-filtered");

    // Choosing a filter writes it into the address; clearing takes it out.
    await page().getByRole("combobox", { name: "Script" }).selectOption({ label: "greet" });
    await page().waitForURL(/[?&]scriptId=scr_/);
    expect(page().url()).toContain("status=failed");
    await page().getByText("No run matches these filters").waitFor();
    await page().getByRole("button", { name: "Clear filters" }).click();
    await page().waitForURL(/\/admin\/history$/);
    await look(rows()).toHaveCount(2);
  });

  test("an address with no screen says so, and the navigation still works", async () => {
    await page().goto("/admin/whatever");
    await page().getByText("There is nothing at this address").waitFor();
    await b.screenshot("addresses-03-nothing-here");
    await page().getByRole("navigation", { name: "Main" }).getByRole("link", { name: "History" }).click();
    await page().getByRole("heading", { name: "History" }).waitFor();
    expect(page().url()).toMatch(/\/admin\/history$/);

    // Deeper unknown addresses too, and the way back offered on the page.
    await page().goto("/admin/scripts/a/b/c");
    await page().getByText("There is nothing at this address").waitFor();
    await page().getByRole("link", { name: "Go to your scripts" }).click();
    await page().getByRole("link", { name: "greet" }).waitFor();
    expect(page().url()).toMatch(/\/admin\/scripts$/);

    // The bare admin address opens the scripts.
    await page().goto("/admin/");
    await page().waitForURL(/\/admin\/scripts$/);
    await page().getByRole("link", { name: "always-broken" }).waitFor();
  });
});
