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
import { kinds } from "./kinds.ts";
import { type Build, type SharedWorld, startWorld } from "./system-under-test.ts";

/** Registers the suite against `build`; answers the started world, for a file's own checks. */
export function sharedSuite(build: Build): () => SharedWorld {
  let started: SharedWorld | undefined;
  // The Cloudflare build takes up to 150 s to start: one system per file, shared by every check.
  beforeAll(async () => {
    started = await startWorld(build);
  }, 240_000);
  afterAll(async () => {
    await started?.stop();
  });
  const world = () => {
    if (!started) throw new Error(`the ${build} build did not start`);
    return started;
  };
  badInput(world);
  access(world);
  egress(world);
  endpoints(world);
  kinds(world);
  return world;
}
