// Retrying assertions on page elements (what @playwright/test's expect does), for vitest:
// each check polls until it holds or its time runs out, then fails with what it last saw.
import type { Locator } from "playwright-core";

async function until(what: string, timeoutMs: number, check: () => Promise<string | undefined>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: string | undefined = "not checked";
  while (Date.now() < deadline) {
    last = await check().catch((e: Error) => e.message);
    if (last === undefined) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`expected ${what}; ${last}`);
}

export function look(locator: Locator, timeoutMs = 10_000) {
  const name = locator.toString();
  return {
    toBeVisible: () => until(`${name} to be visible`, timeoutMs, async () => ((await locator.first().isVisible()) ? undefined : "it is not")),
    toBeHidden: () => until(`${name} to be hidden`, timeoutMs, async () => ((await locator.first().isVisible()) ? "it is visible" : undefined)),
    toBeDisabled: () => until(`${name} to be disabled`, timeoutMs, async () => ((await locator.isDisabled()) ? undefined : "it is enabled")),
    toHaveCount: (n: number) =>
      until(`${name} ${n} times`, timeoutMs, async () => {
        const count = await locator.count();
        return count === n ? undefined : `found ${count}`;
      }),
    toContainText: (text: string) =>
      until(`${name} to contain "${text}"`, timeoutMs, async () => {
        // biome-ignore lint/performance/useDomNodeTextContent: the text a user sees: CSS decides what is hidden and where lines break
        const content = await locator.first().innerText();
        return content.includes(text) ? undefined : `its text is ${JSON.stringify(content.slice(0, 500))}`;
      }),
    toHaveAttribute: (attribute: string, value: string) =>
      until(`${name} to have ${attribute}="${value}"`, timeoutMs, async () => {
        const actual = await locator.first().getAttribute(attribute);
        return actual === value ? undefined : `it is ${JSON.stringify(actual)}`;
      }),
  };
}
