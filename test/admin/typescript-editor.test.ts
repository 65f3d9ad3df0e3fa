// A TypeScript script in the admin's editor, in a real browser: chosen with the Language select,
// checked against the SDK's types as it is typed, a type error marked as a warning that does not
// stop the save, and the script saved as TypeScript and run.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { System } from "../support/system.ts";
import { openAdmin, type AdminBrowser } from "./support/browser.ts";
import { ensureChromium } from "./support/chromium.ts";
import { signIn } from "./support/steps.ts";
import { look } from "./support/look.ts";
import { replaceText } from "./support/monaco.ts";

const password = "correct horse battery staple 42";
let system: System;
let b: AdminBrowser;

// `total` is a number typed as a string, and `ctx.log.inf` is no SDK method: two type errors.
const typedWrong = `import type { ScriptContext } from "iota:sdk";

export default async function (input: { qty: number }, ctx: ScriptContext) {
  const total: string = input.qty * 2;
  ctx.log.inf("total " + total);
  return { total };
}
`;

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
const codeEditor = () => page().locator(".editor-code .monaco-editor");

describe("a TypeScript script in the editor", () => {
  test("a type error is marked as a warning, and the script still saves as TypeScript", async () => {
    await page().goto("/admin/scripts");
    await signIn(page(), "admin", password);
    await page().getByRole("heading", { name: "Scripts" }).waitFor();
    await page().goto("/admin/scripts/new");
    await codeEditor().waitFor();
    await page().getByLabel("Name").fill("typed-quote");
    await page().getByLabel("Language").selectOption("ts");
    // The TypeScript template types `ctx` from the SDK, and has no type error.
    await look(codeEditor()).toContainText('"iota:sdk"');
    await look(page().getByRole("status").filter({ hasText: "never block saving" })).toBeVisible();

    await replaceText(page(), codeEditor(), typedWrong);
    await look(codeEditor().locator(".squiggly-warning"), 30_000).toHaveCount(2);
    await look(codeEditor().locator(".squiggly-error")).toHaveCount(0);
    await look(page().getByRole("status").filter({ hasText: "2 type problems marked in yellow: saving still works" })).toBeVisible();
    // Hovering one says what TypeScript says.
    const squiggle = await codeEditor().locator(".squiggly-warning").nth(1).boundingBox();
    await page().mouse.move(squiggle!.x + squiggle!.width / 2, squiggle!.y + squiggle!.height / 2);
    await look(page().locator(".monaco-hover").filter({ hasText: "Property 'inf' does not exist on type 'ScriptLogger'" })).toBeVisible();
    await page().mouse.move(0, 0);
    await b.screenshot("typescript-type-warning");

    await page().keyboard.press("Control+S");
    const dialog = page().getByRole("dialog", { name: "Create the script" });
    await dialog.getByRole("button", { name: "Create" }).click();
    await page().locator(".toast").filter({ hasText: "Saved typed-quote as version 1" }).waitFor();
    await page().waitForURL(/\/admin\/scripts\/scr_/);
    const id = page().url().split("/").pop()!;
    const saved = await system.api("GET", `/admin/api/scripts/${id}`);
    expect(saved.body).toMatchObject({ name: "typed-quote", language: "ts", code: typedWrong });

    // Reopened, it is TypeScript still, with its warnings.
    await codeEditor().waitFor();
    await look(page().locator(".editor-code .badge").filter({ hasText: "TypeScript" })).toBeVisible();
    await look(codeEditor().locator(".squiggly-warning"), 30_000).toHaveCount(2);
  }, 180_000);
});
