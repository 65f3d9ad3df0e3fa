// The dispatcher worker: the product's only public entry.
import { createApp } from "./app.ts";
import type { Env as DispatcherEnv } from "./env.ts";
import { sendDueAlerts, type AlertSenderBindings } from "./platform/cloudflare/alert-sender.ts";
import { ensurePlatform, type BootstrapBindings } from "./platform/cloudflare/bootstrap.ts";
import { wakeSoon, wakeWhenDue } from "./platform/cloudflare/wake.ts";
import { servicesFor } from "./services.ts";
import { tick } from "./tick.ts";
import { periodicCollection } from "../protocol/periodic-collection.ts";

// On Cloudflare the dispatcher runs scripts itself: these are the capabilities it gives each
// script isolate (reached through ctx.exports with the tenant in their props), and the tail that
// brings the isolate's live lines back. Locally the runner processes have their own.
export { CloudflareEgress, CloudflareScriptLogs, CloudflareSdk } from "./platform/cloudflare/capabilities.ts";

const app = createApp();

// This worker runs no user code: the gc the host exposes may stay on its global.
const collectNowAndThen = periodicCollection((globalThis as { gc?: () => void }).gc);

/** The dispatcher's bindings, and the secrets and bindings only the Cloudflare build reads. */
type Env = DispatcherEnv & BootstrapBindings & AlertSenderBindings;

/** Deployed on Cloudflare (or its local build): no host, the Worker Loader in this worker. */
const onCloudflare = (env: Env) => env.LOADER !== undefined && env.HOST === undefined;

// Once per isolate, before its first request: an empty database gets its first platform admin.
let platformReady: Promise<unknown> | undefined;
function ready(env: Env): Promise<unknown> {
  if (!onCloudflare(env)) return Promise.resolve();
  // An alert queued here (an execution failed) is sent by the tick: woken for it in a second,
  // not at the next minute's cron. Set on every call: the services are remade when env changes.
  servicesFor(env).alerts.whenQueued(() => wakeSoon(env, "alert"));
  platformReady ??= ensurePlatform(servicesFor(env).db, env).catch((error: Error) => {
    platformReady = undefined;
    throw error;
  });
  return platformReady;
}

/** Ticks, then asks the queue to wake it again when the next work is due within the minute. */
async function tickAndWake(env: Env, ctx: ExecutionContext, reason: string) {
  await ready(env);
  const services = servicesFor(env);
  const done = await tick(services, (work) => ctx.waitUntil(work), { sendAlerts: () => sendDueAlerts(env, services.alerts) });
  await wakeWhenDue(env, services.db, reason);
  return done;
}

export default {
  async fetch(request, env, ctx) {
    collectNowAndThen();
    await ready(env);
    const response = await app.fetch(request, env, ctx);
    // Work accepted to run later (an async run, an event whose deliveries wait for room) is
    // started by the tick: on Cloudflare it is woken for when that work is due.
    if (response.status === 202 && onCloudflare(env) && env.WAKE) {
      ctx.waitUntil(
        wakeWhenDue(env, servicesFor(env).db, "accepted").catch((e: Error) =>
          console.error(JSON.stringify({ level: "error", event: "wake.failed", error: e.message })),
        ),
      );
    }
    return response;
  },
  // Cloudflare Cron Triggers call this every minute; locally the host calls /internal/tick instead.
  async scheduled(_controller, env, ctx) {
    await tickAndWake(env, ctx, "cron");
  },
  // Cloudflare Queues only wake the dispatcher: the deliveries themselves live in the database.
  async queue(batch, env, ctx) {
    batch.ackAll();
    await tickAndWake(env, ctx, "queue");
  },
} satisfies ExportedHandler<Env>;
