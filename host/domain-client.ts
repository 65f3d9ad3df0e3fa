// The host's one way to the domain: the dispatcher's internal routes on loopback, with the
// per-start host secret. The host reads and writes no domain table itself; what it needs
// (bootstrap, the alert outbox, tenants' egress lists) it asks for here.
import type { BootstrapRequest, BootstrapResult, ClaimedDelivery, DeliveryRecord, DeliveryReport } from "../protocol/host-domain.ts";
import type { TenantEgressPolicy } from "../protocol/egress/allow-lists.ts";

export interface DomainClient {
  bootstrap(request: BootstrapRequest): Promise<BootstrapResult>;
  claimAlerts(limit: number): Promise<ClaimedDelivery[]>;
  reportAlerts(reports: DeliveryReport[]): Promise<DeliveryRecord[]>;
  egressPolicy(tenantId: string): Promise<TenantEgressPolicy>;
  /** The host stopped a runner for work a script left running: its execution's record says so. */
  noteLeftoverWork(tenantId: string, executionId: string): Promise<void>;
}

/** `address`: host:port where the dispatcher listens (loopback). */
export function domainClient(address: string, secret: string, timeoutMs = 30_000): DomainClient {
  async function call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    const response = await fetch(`http://${address}/internal${path}`, {
      method,
      headers: { "x-iota-host-secret": secret, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    if (!response.ok) {
      let message = text.slice(0, 500);
      try {
        message = (JSON.parse(text) as { error: { message: string } }).error.message;
      } catch {
        // not the dispatcher's JSON error: keep the text
      }
      throw new Error(`${method} /internal${path}: HTTP ${response.status}: ${message}`);
    }
    return JSON.parse(text) as T;
  }
  return {
    bootstrap: (request) => call("POST", "/bootstrap", request),
    claimAlerts: async (limit) => (await call<{ deliveries: ClaimedDelivery[] }>("POST", "/alerts/claim", { limit })).deliveries,
    reportAlerts: async (reports) => (await call<{ recorded: DeliveryRecord[] }>("POST", "/alerts/report", { reports })).recorded,
    egressPolicy: (tenantId) => call("GET", `/egress-policy/${encodeURIComponent(tenantId)}`),
    noteLeftoverWork: async (tenantId, executionId) => {
      await call("POST", "/leftover-work", { tenantId, executionId });
    },
  };
}
