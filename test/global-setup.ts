// Builds the admin SPA once for the whole test run, so that the hosts the tests start (in
// parallel) serve it without each building it again.
import { existsSync } from "node:fs";
import { buildAdmin } from "../host/admin-build.ts";

export default async function setup(): Promise<void> {
  process.env.IOTA_ADMIN_BUILD = "never";
  if (!existsSync(new URL("../admin/vite.config.ts", import.meta.url))) return;
  try {
    await buildAdmin();
  } catch (error) {
    // The API tests do not need the admin; the admin's own tests fail on their own if it broke.
    console.warn(`admin build failed: ${(error as Error).message}`);
  }
}
