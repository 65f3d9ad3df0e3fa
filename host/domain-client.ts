// The host's one way to the domain: the dispatcher's internal routes on loopback, with the
// per-start host secret. The host reads and writes no domain table itself; what it needs
// (bootstrap, the alert outbox, tenants' egress lists, saying where it is) it asks for here.
import { Agent, request } from "node:http";
import type { BootstrapRequest, BootstrapResult, ClaimedDelivery, DeliveryRecord, DeliveryReport } from "../protocol/host-domain.ts";
import type { TenantEgressPolicy } from "../protocol/egress/allow-lists.ts";

export interface DomainClient {
  bootstrap(request: BootstrapRequest): Promise<BootstrapResult>;
  claimAlerts(limit: number): Promise<ClaimedDelivery[]>;
  reportAlerts(reports: DeliveryReport[]): Promise<DeliveryRecord[]>;
  egressPolicy(tenantId: string): Promise<TenantEgressPolicy>;
  /** The host stopped a runner for work a script left running: its execution's record says so. */
  noteLeftoverWork(tenantId: string, executionId: string): Promise<void>;
  /** This host is up, and its peer listener answers at `peerAddress` (host:port). */
  announceHost(hostId: string, peerAddress: string): Promise<void>;
}

// node:http with kept-alive sockets rather than fetch(): undici cost about 1 ms of the host's CPU
// per call here, node:http under a tenth of that, and the egress proxy asks on every request.
const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** `address`: host:port where the dispatcher listens (loopback). */
export function domainClient(address: string, secret: string, timeoutMs = 30_000): DomainClient {
  const colon = address.lastIndexOf(":");
  const host = address.slice(0, colon);
  const port = Number(address.slice(colon + 1));
  function call<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise<T>((resolve, reject) => {
      const req = request(
        {
          host,
          port,
          method,
          path: `/internal${path}`,
          agent,
          timeout: timeoutMs,
          headers: {
            "x-iota-host-secret": secret,
            ...(payload ? { "content-type": "application/json", "content-length": payload.length } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", reject);
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            const status = res.statusCode ?? 0;
            if (status < 200 || status >= 300) {
              let message = text.slice(0, 500);
              try {
                message = (JSON.parse(text) as { error: { message: string } }).error.message;
              } catch {
                // not the dispatcher's JSON error: keep the text
              }
              return reject(new Error(`${method} /internal${path}: HTTP ${status}: ${message}`));
            }
            try {
              resolve(JSON.parse(text) as T);
            } catch (error) {
              reject(error as Error);
            }
          });
        },
      );
      req.on("timeout", () => req.destroy(new Error(`${method} /internal${path}: no answer within ${timeoutMs} ms`)));
      req.on("error", reject);
      req.end(payload);
    });
  }
  return {
    bootstrap: (request) => call("POST", "/bootstrap", request),
    claimAlerts: async (limit) => (await call<{ deliveries: ClaimedDelivery[] }>("POST", "/alerts/claim", { limit })).deliveries,
    reportAlerts: async (reports) => (await call<{ recorded: DeliveryRecord[] }>("POST", "/alerts/report", { reports })).recorded,
    egressPolicy: (tenantId) => call("GET", `/egress-policy/${encodeURIComponent(tenantId)}`),
    noteLeftoverWork: async (tenantId, executionId) => {
      await call("POST", "/leftover-work", { tenantId, executionId });
    },
    announceHost: async (hostId, peerAddress) => {
      await call("POST", "/hosts/announce", { hostId, peerAddress });
    },
  };
}
