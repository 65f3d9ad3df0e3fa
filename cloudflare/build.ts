// wrangler.toml's build command: the sandbox harness and the other generated modules the
// dispatcher imports (host/build.ts), and the admin the assets binding serves (built only when
// its output is missing or older than its sources, as `npm start` does). A failed admin build
// fails the deploy: an [assets] directory that is not there cannot be uploaded.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { adminDist, ensureAdminBuilt } from "../host/admin-build.ts";
import { createLog } from "../host/log.ts";

const root = fileURLToPath(new URL("..", import.meta.url));
const harness = spawnSync(process.execPath, [join(root, "host", "build.ts")], { stdio: "inherit" });
if (harness.status !== 0) process.exit(harness.status ?? 1);
await ensureAdminBuilt(createLog());
if (!existsSync(join(adminDist, "index.html"))) {
  process.stderr.write(`the admin could not be built into ${adminDist}; run npm run build:admin to see why\n`);
  process.exit(1);
}
