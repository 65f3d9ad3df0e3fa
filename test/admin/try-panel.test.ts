// Try on recent runs in a real browser: the editor's unsaved draft run on the script's recent
// real inputs, the verdicts in a table, the first run worth a look opened to what differs and
// what the draft would have done, and nothing saved or performed.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { System } from "../support/system.ts";
import { openAdmin, type AdminBrowser } from "./support/browser.ts";
import { ensureChromium } from "./support/chromium.ts";
import { signIn } from "./support/steps.ts";
import { replaceText } from "./support/monaco.ts";

const password = "correct horse battery staple 42";
let system: System;
let b: AdminBrowser;
let scriptId: string;

beforeAll(async () => {
  await ensureChromium();
  system = await System.start({ env: { IOTA_BOOTSTRAP_PASSWORD: password } });
  scriptId = await system.script({ name: "pricing", code: "export default async (input) => ({ total: input.qty * 10 });\n" });
  for (const qty of [1, 2]) expect((await system.run(scriptId, { qty })).status).toBe(200);
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

describe("Try on recent runs", () => {
  test("runs the unsaved draft on the script's recent runs and shows what differs and what was captured", async () => {
    await page().goto("/admin/");
    await signIn(page(), "admin", password);
    await page().getByRole("heading", { name: "Scripts" }).waitFor();
    await page().goto(`/admin/scripts/${scriptId}`);
    const editor = page().locator(".editor-code .monaco-editor");
    await editor.waitFor();
    await replaceText(
      page(),
      editor,
      'export default async (input, ctx) => {\n  await ctx.kv.put("last-qty", input.qty);\n  return { total: input.qty === 2 ? 19 : input.qty * 10 };\n};\n',
    );

    await page().getByRole("button", { name: "Try on recent runs" }).click();
    const dialog = page().getByRole("dialog", { name: "Try on recent runs: pricing" });
    await dialog.getByRole("button", { name: "Try the draft" }).click();
    await dialog.getByText("2 runs:").waitFor();
    expect(await dialog.locator(".try-summary").textContent()).toContain("1 same1 different0 failed0 fixed");
    // The different run is opened: where it differs, and the write it would have made.
    await dialog.locator(".try-diff td", { hasText: "$.total" }).waitFor();
    expect(await dialog.locator(".try-diff tbody tr").first().textContent()).toBe("$.total2019");
    expect(await dialog.locator(".try-effects").first().textContent()).toContain('kv.put("last-qty", 2)');
    await b.screenshot("try-panel-01-different");

    await dialog.getByRole("button", { name: "Close" }).click();
    // Nothing was saved: the script is still at its first version, and the draft still unsaved.
    await page().locator(".editor-head .unsaved").waitFor();
    expect((await system.api("GET", `/admin/api/scripts/${scriptId}`)).body.version).toBe(1);
  });
});
