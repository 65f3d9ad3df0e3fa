import type { System } from "../support/system.ts";

/** The database the build was started on, for a group that reads what the build stored. */
export interface StartedOn {
  url: string;
  authToken?: string;
}

/**
 * One group of the Cloudflare build's tests. The groups share one build (wrangler dev takes a
 * minute or more to start, so one start serves them all): each starts the servers its scripts
 * may reach first, since the build must be told at start which addresses the operator opened.
 */
export interface Part {
  /** Starts this group's servers; answers the `host:port` entries to open in IOTA_EGRESS_ALLOW. */
  prepare(): Promise<string[]>;
  /** Takes the started build (and makes the tenants the group uses). */
  attach(system: System, database: StartedOn): Promise<void>;
  close(): Promise<void>;
  /** Registers the group's tests. */
  tests(): void;
}
