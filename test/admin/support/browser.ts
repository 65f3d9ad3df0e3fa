// A real browser on the admin: Chromium driven by playwright-core with a fresh profile, every
// console error and uncaught exception recorded so a test can fail on them, and screenshots
// of each screen in test-artifacts/admin/ (CI keeps the folder).
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type ConsoleMessage, type Page } from "playwright-core";
import { ensureChromium } from "./chromium.ts";

const root = fileURLToPath(new URL("../../..", import.meta.url));
export const artifacts = join(root, "test-artifacts");

export interface AdminBrowser {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions, in order. */
  errors: string[];
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

const flags = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export async function openAdmin(baseUrl: string): Promise<AdminBrowser> {
  const executablePath = await ensureChromium();
  const profile = await mkdtemp(join(tmpdir(), "iota-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: flags,
    viewport: { width: 1280, height: 800 },
    baseURL: baseUrl,
    timezoneId: "UTC",
    locale: "en-GB",
    permissions: ["clipboard-read", "clipboard-write"],
  });
  const errors: string[] = [];
  const watch = (page: Page) => {
    page.on("console", (m: ConsoleMessage) => {
      if (m.type() === "error") errors.push(`console.error: ${m.text()} (${m.location().url})`);
    });
    page.on("pageerror", (e) => errors.push(`uncaught: ${e.message}`));
  };
  context.pages().forEach(watch);
  context.on("page", watch);
  const page = context.pages()[0] ?? (await context.newPage());
  await mkdir(join(artifacts, "admin"), { recursive: true });
  return {
    context,
    page,
    errors,
    async screenshot(name) {
      await page.screenshot({ path: join(artifacts, "admin", `${name}.png`) });
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
