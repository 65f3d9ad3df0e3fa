// Steps the admin's browser tests share: signing in, creating a script through the editor's
// save dialog, and accounting for the refusals the browser logs as console errors.
import { expect } from "vitest";
import type { Page } from "playwright-core";
import type { AdminBrowser } from "./browser.ts";

export async function signIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

export async function signOut(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.getByRole("heading", { name: "Sign in" }).waitFor();
}

/** Saves a new script from the editor (Create, then the version dialog); answers its id. */
export async function createFromEditor(page: Page, message = "First version"): Promise<string> {
  await page.getByRole("button", { name: /^Create/ }).click();
  const dialog = page.getByRole("dialog", { name: "Create the script" });
  await dialog.getByLabel("What changed?").fill(message);
  await dialog.getByRole("button", { name: "Create" }).click();
  await page.waitForURL(/\/admin\/scripts\/scr_/);
  return page.url().split("/").pop()!;
}

/** The browser logs every refused request; a test that provokes some says which. */
export function expectRefused(b: AdminBrowser, status: number, path: string, times = 1): void {
  for (let n = 0; n < times; n++) {
    const i = b.errors.findIndex((e) => e.includes(`status of ${status}`) && e.includes(path));
    expect(i, `a ${status} from ${path} in ${JSON.stringify(b.errors)}`).toBeGreaterThanOrEqual(0);
    b.errors.splice(i, 1);
  }
}

/** Refusals the test does not count one by one (a public endpoint's 4xx answers, say). */
export function forgetRefused(b: AdminBrowser, status: number, path: string): void {
  for (let i = b.errors.length - 1; i >= 0; i--) if (b.errors[i]!.includes(`status of ${status}`) && b.errors[i]!.includes(path)) b.errors.splice(i, 1);
}
