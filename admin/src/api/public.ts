// The platform's public faces, called from the admin to try a script the way its callers do:
// an HTTP endpoint (`/api/tenants/{slug}/scripts/...`), an embedded call (`/api/invoke/...`)
// and an event (`/api/events`). The last two accept the signed-in session like the management
// API; an endpoint is called without it, exactly as an outsider would.
import type { DomainEvent, EventAccepted } from "../../../protocol/api.ts";
import { callHeaders, counted, failureOf, parseJson } from "./client.ts";

/** An answer as the caller saw it, with the execution the platform named. */
export interface CallAnswer {
  status: number;
  statusText: string;
  headers: [string, string][];
  body: string;
  /** `x-iota-execution-id`: the execution that answered, when one ran. */
  executionId: string | undefined;
  ms: number;
}

/** Where a tenant's HTTP scripts answer on any host of the platform. */
export function endpointUrl(tenantSlug: string, path: string): string {
  return `${location.origin}/api/tenants/${encodeURIComponent(tenantSlug)}/scripts${path.startsWith("/") ? path : `/${path}`}`;
}

async function answerOf(response: Response, started: number): Promise<CallAnswer> {
  const body = await response.text();
  return {
    status: response.status,
    statusText: response.statusText,
    headers: [...response.headers],
    body,
    executionId: response.headers.get("x-iota-execution-id") ?? undefined,
    ms: Math.round(performance.now() - started),
  };
}

/**
 * Calls an HTTP script as an outsider: no session cookie, no CSRF token, no tenant header (a
 * script sees every header it is sent, and history keeps them). Any answer is returned, a 4xx
 * or 5xx included; only a network failure throws.
 */
export function callEndpoint(url: string, init: { method: string; headers: [string, string][]; body?: string }): Promise<CallAnswer> {
  return counted(async () => {
    const started = performance.now();
    const response = await fetch(url, {
      method: init.method,
      headers: init.headers,
      body: init.method === "GET" || init.method === "HEAD" ? undefined : init.body,
      credentials: "omit",
      redirect: "manual",
    });
    return answerOf(response, started);
  });
}

/** An embedded call as the signed-in user; a failed script is an answer too (with its execution). */
export function invoke(script: string, input: unknown): Promise<CallAnswer> {
  return counted(async () => {
    const started = performance.now();
    const response = await fetch(`/api/invoke/${encodeURIComponent(script)}`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", ...callHeaders("POST") },
      body: JSON.stringify(input ?? null),
      credentials: "same-origin",
    });
    return answerOf(response, started);
  });
}

/** Publishes one event into the tenant's intake, as a platform service would. */
export function publishEvent(event: DomainEvent): Promise<EventAccepted> {
  return counted(async () => {
    const response = await fetch("/api/events", {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json", ...callHeaders("POST") },
      body: JSON.stringify(event),
      credentials: "same-origin",
    });
    const parsed = parseJson(await response.text());
    if (!response.ok) throw failureOf(response, parsed);
    return parsed as EventAccepted;
  });
}
