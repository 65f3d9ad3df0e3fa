// The dispatcher worker: the product's only public entry.
import { createApp } from "./app.ts";
import type { Env } from "./env.ts";
import { servicesFor } from "./services.ts";

const app = createApp();

export default {
  fetch: app.fetch,
  // Cloudflare Cron Triggers call this; locally the host calls /internal/tick instead.
  async scheduled(_controller, env, ctx) {
    await servicesFor(env).runs.drain((work) => ctx.waitUntil(work));
  },
} satisfies ExportedHandler<Env>;
