// The dispatcher's bindings. Those wrangler.toml declares (the Cloudflare deployment) are typed by
// `npm run types:wrangler` into wrangler-env.d.ts, never by hand; the rest are what the host
// writes into the local workerd config, and secrets. Locally the host supplies HOST (database and
// runners over loopback); deployed, LIBSQL_URL names the database.
import type { DatabaseBindings } from "../db/open-remote.ts";
import type { TenantBudgets } from "../protocol/api.ts";
import { defaultBudgets } from "./domain/budgets.ts";

// Partial: locally there is no Worker Loader in the dispatcher (runners have their own), and the
// vars come from the host.
export interface Env extends DatabaseBindings, Partial<WranglerEnv> {
  /** Concurrent executions per tenant unless the tenant sets its own, and for the platform. */
  TENANT_CONCURRENCY?: string;
  GLOBAL_CONCURRENCY?: string;
  /** Budgets of tenants without their own: executions waiting, their input bytes, history bytes per UTC day. */
  TENANT_MAX_QUEUED?: string;
  TENANT_MAX_QUEUED_BYTES?: string;
  TENANT_MAX_HISTORY_BYTES_PER_DAY?: string;
  /** AES-256 key (base64) sealing tenants' secrets at rest. */
  SECRETS_KEY?: string;
  /** How long failures after an alert are grouped into one digest (ms). */
  ALERT_WINDOW_MS?: string;
  LOST_RUN_GRACE_MS?: string;
  /** Which host runs this dispatcher's executions (locally); a restarted host closes its own. */
  HOST_ID?: string;
  /** Where people reach this install, for links in alerts (e.g. https://scripts.example.com). */
  PUBLIC_URL?: string;
  /** IOTA_EGRESS_ALLOW: endpoints the operator opened despite the address policy (alert webhooks to them may be saved). */
  EGRESS_ALLOW?: string;
  /** "true" behind a proxy that sets X-Forwarded-For / CF-Connecting-IP truthfully. */
  TRUST_PROXY?: string;
  /** Locally: loopback, where the tenants' runner processes listen (jobs go to them directly). */
  RUNNERS?: Fetcher;
  /** The built admin SPA: a disk service locally, static assets on Cloudflare. */
  ASSETS?: Fetcher;
}

/** The tenant budget defaults this deployment sets, the built-in ones where it sets none. */
export function budgetDefaults(env: Env): TenantBudgets {
  const read = (name: "TENANT_MAX_QUEUED" | "TENANT_MAX_QUEUED_BYTES" | "TENANT_MAX_HISTORY_BYTES_PER_DAY", fallback: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === "") return fallback;
    const value = Number(raw);
    // A wrong setting must not quietly become "no budget" (NaN compares false in SQL).
    if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a whole number from 1, not ${JSON.stringify(raw)}`);
    return value;
  };
  return {
    maxQueued: read("TENANT_MAX_QUEUED", defaultBudgets.maxQueued),
    maxQueuedBytes: read("TENANT_MAX_QUEUED_BYTES", defaultBudgets.maxQueuedBytes),
    maxHistoryBytesPerDay: read("TENANT_MAX_HISTORY_BYTES_PER_DAY", defaultBudgets.maxHistoryBytesPerDay),
  };
}
