// The dispatcher's bindings. Locally the host supplies HOST (database and runners over
// loopback); deployed, LIBSQL_URL names the database.
import type { DatabaseBindings } from "../db/open-remote.ts";

export interface Env extends DatabaseBindings {
  /** The largest memoryMb a script may ask for: the runners' largest memory tier. */
  MAX_MEMORY_MB?: string;
  /** Concurrent executions per tenant unless the tenant sets its own, and for the platform. */
  TENANT_CONCURRENCY?: string;
  GLOBAL_CONCURRENCY?: string;
  /** AES-256 key (base64) sealing tenants' secrets at rest. */
  SECRETS_KEY?: string;
  /** How long failures after an alert are grouped into one digest (ms). */
  ALERT_WINDOW_MS?: string;
  LOST_RUN_GRACE_MS?: string;
  /** Which host runs this dispatcher's executions (locally); a restarted host closes its own. */
  HOST_ID?: string;
  /** Where people reach this install, for links in alerts (e.g. https://scripts.example.com). */
  PUBLIC_URL?: string;
  /** "true" behind a proxy that sets X-Forwarded-For / CF-Connecting-IP truthfully. */
  TRUST_PROXY?: string;
  /** Present when deployed to Cloudflare, where the dispatcher runs scripts itself. */
  LOADER?: WorkerLoader;
  /** The built admin SPA: a disk service locally, static assets on Cloudflare. */
  ASSETS?: Fetcher;
  COMPATIBILITY_DATE?: string;
}
