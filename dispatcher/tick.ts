// The periodic work, whoever drives it (the host's once-a-second call locally, Cron Triggers
// and queue wake-ups on Cloudflare): claim due schedule slots, follow up failed event
// deliveries, start waiting executions that have room, close runs nobody will finish, and
// (where no host runs a sender beside it: on Cloudflare) send the alerts that are due.
import type { Background } from "./domain/runs.ts";
import type { Services } from "./services.ts";

export interface TickSteps {
  /** Sends the alert outbox's due deliveries, answering how many it tried; locally the host's sender does. */
  sendAlerts?: () => Promise<number>;
}

export async function tick(services: Services, background: Background, steps: TickSteps = {}) {
  // Schedule slots are due at their minute: closing lost runs goes alongside reading the due
  // scripts, and the claims wait for it (a lost run is not one still going).
  const closing = services.executions.closeLost();
  const slots = await services.scheduler.tick(background, {
    after: closing,
    warm: (s) => services.scripts.forExecution(s.tenantId, s.id, s.currentVersion, "scheduled"),
  });
  const lost = await closing;
  const followedUp = await services.events.followUp(background);
  const started = await services.runs.drain(background);
  const digests = await services.alerts.flushDigests();
  // After the digests, so a digest due now goes out in this tick.
  const alertsTried = (await steps.sendAlerts?.()) ?? 0;
  const swept = await services.retention.sweep();
  return { lost, slots, followedUp, started, digests, alertsTried, swept };
}
