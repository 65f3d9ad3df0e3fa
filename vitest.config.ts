import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Chromium (Debian's, for the admin's browser tests) is installed once, before any file runs.
    globalSetup: ["test/admin/support/chromium.ts", "test/global-setup.ts"],
    // Each file starts its own host with its own workerd processes; two at a time fit 2 cores.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
