// The dispatcher worker: the product's only public entry.
import { createApp } from "./app.ts";
import type { Env } from "./env.ts";
import { servicesFor } from "./services.ts";

const app = createApp();

export default {
  fetch: app.fetch,
  // Cloudflare Cron Triggers call this; locally the host calls /internal/tick instead.
  async scheduled(_controller, env, ctx) {
    const { runs, scheduler } = servicesFor(env);
    const background = (work: Promise<unknown>) => ctx.waitUntil(work);
    await scheduler.tick(background);
    await runs.drain(background);
  },
} satisfies ExportedHandler<Env>;
