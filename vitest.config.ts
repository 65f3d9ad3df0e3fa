import { BaseSequencer, type TestSpecification } from "vitest/node";
import { defineConfig } from "vitest/config";

/**
 * Files that take long for their size on disk, started first in this order. On a clean clone (CI)
 * vitest knows no durations and starts the largest files first, which started these late (the
 * Cloudflare build's two files last of all): a minute-long file started near the end keeps one
 * worker busy while the other has nothing left.
 * The order pairs the two files that mostly wait for a minute boundary with the ones that start
 * the Cloudflare build or load a runner, which use the cores the waiting ones leave idle.
 */
const startFirst = [
  "test/cloudflare/cloudflare.test.ts",
  "test/e2e/schedules-realtime.test.ts",
  "test/e2e/cron-scale.test.ts",
  "test/e2e/runner-memory.test.ts",
  "test/shared/cloudflare.test.ts",
];

class LongFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    // Once a previous run timed every file, vitest starts the longest first by itself.
    if (sorted.every((file) => this.ctx.cache.getTestSpecificationResult(file))) return sorted;
    const rank = (file: TestSpecification) => {
      const i = startFirst.findIndex((name) => file.moduleId.endsWith(`/${name}`));
      return i < 0 ? startFirst.length : i;
    };
    // A stable sort: the rest keep vitest's order.
    return [...sorted].sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Chromium (Debian's, for the admin's browser tests) is installed once, before any file runs.
    globalSetup: ["test/admin/support/chromium.ts", "test/global-setup.ts"],
    // Each file starts its own host with its own workerd processes; two at a time fit 2 cores.
    maxWorkers: 2,
    sequence: { sequencer: LongFirst },
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
