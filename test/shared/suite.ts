// One end-to-end suite, written once and run against each build (drizzle's model: one suite per
// driver), each by a thin file that names its build. Every check records what the system
// answered, status and error body, and compares it with one expectation, so "the two builds
// answer the same" is checked, not assumed. Where the builds differ by design (README,
// "Deploying to Cloudflare"), the expectation names the build.
import { afterAll, beforeAll } from "vitest";
import { access } from "./access.ts";
import { badInput } from "./bad-input.ts";
import { egress } from "./egress.ts";
import { endpoints } from "./endpoints.ts";
import { type Build, type SharedWorld, startWorld } from "./system-under-test.ts";

/** A database the build is started on, with the settings that name it, and its end. */
export interface SuiteDatabase {
  env: Record<string, string>;
  stop(): Promise<void>;
}

export function sharedSuite(build: Build, database?: () => Promise<SuiteDatabase>): void {
  let started: SharedWorld | undefined;
  let db: SuiteDatabase | undefined;
  // The Cloudflare build takes up to 150 s to start: one system per file, shared by every check.
  beforeAll(async () => {
    db = await database?.();
    started = await startWorld(build, db?.env);
  }, 240_000);
  afterAll(async () => {
    await started?.stop();
    await db?.stop();
  });
  const world = () => {
    if (!started) throw new Error(`the ${build} build did not start`);
    return started;
  };
  badInput(world);
  access(world);
  egress(world);
  endpoints(world);
}
