// The API reference in a real browser: linked from the navigation, loaded only when opened, and
// rendering the server's own OpenAPI document with each call's permission; "Try it out" calls
// as the signed-in user.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { System } from "../support/system.ts";
import { openAdmin, type AdminBrowser } from "./support/browser.ts";
import { ensureChromium } from "./support/chromium.ts";
import { signIn } from "./support/steps.ts";

const password = "correct horse battery staple 42";
let system: System;
let b: AdminBrowser;

beforeAll(async () => {
  await ensureChromium();
  system = await System.start({ env: { IOTA_BOOTSTRAP_PASSWORD: password } });
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
const loaded = () =>
  page().evaluate(() =>
    performance
      .getEntriesByType("resource")
      .map((e) => e.name)
      .filter((n) => n.includes("api-reference")),
  );

describe("the API reference", () => {
  test("is in the navigation, and its renderer loads only when it is opened", async () => {
    await page().goto("/admin/");
    await signIn(page(), "admin", password);
    await page().getByRole("heading", { name: "Scripts" }).waitFor();
    expect(await loaded()).toEqual([]);

    await page()
      .getByRole("link", { name: /API reference/ })
      .click();
    await page().locator(".swagger-ui .info .title", { hasText: "iota-scripts API" }).waitFor();
    expect((await loaded()).length).toBeGreaterThan(0);
    expect(page().url()).toMatch(/\/admin\/api-reference$/);
    await b.screenshot("api-reference-01-open");
  });

  test("shows a call with its permission, and tries it out as the signed-in user", async () => {
    const operation = page().locator("#operations-Tenants-getUsage");
    await operation.locator(".opblock-summary").click();
    await operation.getByText("x-iota-permission").waitFor();
    await operation.getByRole("button", { name: "Try it out" }).click();
    await operation.getByRole("button", { name: "Execute" }).click();
    const answer = operation.locator(".live-responses-table tbody .response-col_status").first();
    await answer.waitFor();
    expect((await answer.textContent())?.trim()).toBe("200");
    await b.screenshot("api-reference-02-tried");
  });
});
