// The Cloudflare build end to end (`npm run start:cloudflare`: wrangler dev, D1 on real SQLite,
// the Worker Loader running each script with the dispatcher's own SDK, egress and log
// capabilities), started once for every group here: the SDK, events, egress that goes through
// and live logs from the isolate's tail (features.ts), streamed answers (streaming.ts), alerts
// sent by the tick (alerts.ts). What both builds must answer identically (bad input, roles,
// cross-tenant 404s, SSRF refusals, HTTP endpoints, history records) is test/shared/, run
// against each build.
import { afterAll, beforeAll } from "vitest";
import { System } from "../support/system.ts";
import { alerts } from "./alerts.ts";
import { features } from "./features.ts";
import type { Part } from "./part.ts";
import { streaming } from "./streaming.ts";

const parts: Part[] = [features, streaming, alerts];
let system: System | undefined;

beforeAll(async () => {
  const allowed = (await Promise.all(parts.map((part) => part.prepare()))).flat();
  system = await System.start({ build: "cloudflare", env: { IOTA_EGRESS_ALLOW: allowed.join(",") } });
  for (const part of parts) await part.attach(system);
}, 300_000);
afterAll(async () => {
  await system?.destroy();
  await Promise.all(parts.map((part) => part.close()));
});

for (const part of parts) part.tests();
