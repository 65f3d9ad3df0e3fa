// A small typed client for platform services: run an embedded script and use its value, or
// publish a domain event. Web-standard fetch only, so it works in Node, workers and browsers.
//
//   const iota = createIotaClient({ baseUrl: "http://localhost:8787", token: process.env.IOTA_TOKEN! });
//   const { value } = await iota.invoke<{ price: number }>("pricing-rule", { sku: "A-1", qty: 3 });
//   // A checkout that must not wait: past 150 ms, the fallback (the execution still runs and is recorded).
//   const quote = await iota.invoke("pricing-rule", { sku: "A-1", qty: 3 }, { budgetMs: 150, fallback: { price: 10 } });
//   await iota.publishEvent({ id: crypto.randomUUID(), type: "payment.processed", payload: { amount: 42 } });
//
// Its types come from the API's schemas (protocol/schemas), the same the server validates with
// and the OpenAPI document (GET /admin/api/openapi.json) is generated from; services in other
// languages generate their client from that document.
import type * as z from "zod";
import type { EventAccepted, EventBatchAccepted } from "../protocol/api.ts";
import type { ErrorBody } from "../protocol/errors.ts";
import type { domainEvent, publishEventRequest } from "../protocol/schemas/events.ts";

export interface IotaClientOptions {
  baseUrl: string;
  /** An API token of the tenant (a platform admin's token may name the tenant per call). */
  token: string;
  fetch?: typeof fetch;
}

export interface Invoked<T> {
  /** The script's return value, or the fallback when `fallback` is true. */
  value: T;
  /** True when the budget passed first: `value` is the fallback, and the execution goes on. */
  fallback: boolean;
  executionId: string;
}

export interface InvokeOptions<T> {
  /** How long to wait for the script, in milliseconds (the server's clock, from the request's arrival). */
  budgetMs?: number;
  /** What to answer past `budgetMs` (default null); JSON-serialisable, at most 8 KB as JSON. */
  fallback?: T;
}

/**
 * `{id, type, payload?, occurredAt?, tenant?}`: `id` is the publisher's own (publishing it again
 * delivers nothing twice); `tenant` is for platform admin tokens only.
 */
export type DomainEvent = z.input<typeof publishEventRequest>;
/** An event of a batch; the batch names the tenant. */
export type BatchEvent = z.input<typeof domainEvent>;

export type PublishedEvent = EventAccepted;
export type PublishedBatch = EventBatchAccepted;

/** A refusal or failure, with the API's code and, for script failures, the execution to look up. */
export class IotaError extends Error {
  override readonly name = "IotaError";
  readonly status: number;
  readonly code: string;
  readonly executionId: string | undefined;

  constructor(status: number, body: Partial<ErrorBody> | undefined, executionId: string | undefined) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.code ?? "HTTP_ERROR";
    this.executionId = executionId ?? undefined;
  }
}

export function createIotaClient(options: IotaClientOptions) {
  const doFetch = options.fetch ?? fetch;
  const base = options.baseUrl.replace(/\/+$/, "");

  async function call(path: string, body: unknown, extraHeaders: Record<string, string> = {}): Promise<Response> {
    const response = await doFetch(`${base}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${options.token}`, "content-type": "application/json", ...extraHeaders },
      body: JSON.stringify(body ?? null),
    });
    if (!response.ok) {
      const payload = (await response.json().catch(() => undefined)) as { error?: ErrorBody } | undefined;
      throw new IotaError(response.status, payload?.error, response.headers.get("x-iota-execution-id") ?? undefined);
    }
    return response;
  }

  return {
    /**
     * Runs the tenant's embedded script (by name or id) with `input` and answers its return value.
     * With `budgetMs`, answers `fallback` once the budget passes (`fallback: true`). A script that
     * refuses its input (throws an error with a 4xx `status`) rejects with that status and the
     * code `SCRIPT_REJECTED`.
     */
    async invoke<T = unknown>(script: string, input?: unknown, invokeOptions: InvokeOptions<T> = {}): Promise<Invoked<T>> {
      const headers: Record<string, string> = {};
      if (invokeOptions.budgetMs !== undefined) {
        headers["x-iota-budget-ms"] = String(invokeOptions.budgetMs);
        headers["x-iota-fallback"] = JSON.stringify(invokeOptions.fallback ?? null);
      }
      const response = await call(`/api/invoke/${encodeURIComponent(script)}`, input, headers);
      return {
        value: (await response.json()) as T,
        fallback: response.headers.get("x-iota-fallback") === "true",
        executionId: response.headers.get("x-iota-execution-id") ?? "",
      };
    },
    /** Hands a domain event to the platform; it is stored before this resolves. */
    async publishEvent(event: DomainEvent): Promise<PublishedEvent> {
      return (await (await call("/api/events", event)).json()) as PublishedEvent;
    },
    /**
     * Hands up to 500 events of one tenant to the platform in one request, stored together or not
     * at all; far cheaper than one call each for bursts (an import, a nightly sync).
     */
    async publishEvents(events: BatchEvent[], tenant?: string): Promise<PublishedBatch> {
      return (await (await call("/api/events", { events, ...(tenant ? { tenant } : {}) })).json()) as PublishedBatch;
    },
  };
}

export type IotaClient = ReturnType<typeof createIotaClient>;
