// Driving Monaco as a user does: focus it, select everything, paste. Pasting (rather than
// typing) keeps Monaco's auto-closing brackets and auto-indent from rewriting the text.
import type { Locator, Page } from "playwright-core";

export async function replaceText(page: Page, editor: Locator, text: string): Promise<void> {
  await editor.locator(".view-lines").click();
  await page.keyboard.press("Control+A");
  await page.evaluate((value) => {
    const data = new DataTransfer();
    data.setData("text/plain", value);
    document.activeElement!.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
  }, text);
}

/** Puts the cursor at the end of a 1-based line. */
export async function goToLineEnd(page: Page, line: number): Promise<void> {
  await page.keyboard.press("Control+Home");
  for (let i = 1; i < line; i++) await page.keyboard.press("ArrowDown");
  await page.keyboard.press("End");
}
