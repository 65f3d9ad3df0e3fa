// The dispatcher worker: the product's only public entry.
import { createApp } from "./app.ts";
import type { Env } from "./env.ts";
import { servicesFor } from "./services.ts";
import { tick } from "./tick.ts";

const app = createApp();

export default {
  fetch: app.fetch,
  // Cloudflare Cron Triggers call this; locally the host calls /internal/tick instead.
  async scheduled(_controller, env, ctx) {
    await tick(servicesFor(env), (work) => ctx.waitUntil(work));
  },
  // Cloudflare Queues only wake the dispatcher: the deliveries themselves live in the database.
  async queue(batch, env, ctx) {
    batch.ackAll();
    await tick(servicesFor(env), (work) => ctx.waitUntil(work));
  },
} satisfies ExportedHandler<Env>;
