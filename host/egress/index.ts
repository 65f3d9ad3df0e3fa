// The egress proxy: the only way a script's fetch() reaches the network. The host starts one,
// routes every script isolate's outbound requests to it, and gets a record of each request.
//
//   const egress = await startEgressProxy({
//     operatorAllow: process.env.IOTA_EGRESS_ALLOW,
//     tenantPolicy: (tenantId) => policies.egressOf(tenantId),
//     onRecord: (record) => executions.addRequest(record),
//   });
//   ... workerd sends `GET http://api.example.com/x` with x-iota-tenant / x-iota-execution ...
//   egress.forget(executionId);   // when an execution ends
import { lookup } from "node:dns/promises";
import type { AddressInfo } from "node:net";
import type { HostLog } from "../log.ts";
import { parseOperatorAllow, type OperatorEntry, type TenantEgressPolicy } from "./allow-lists.ts";
import { exchange, type EgressRecord } from "./exchange.ts";
import { defaultLimits, RequestCounter, type EgressLimits } from "./limits.ts";
import { createSend, type TransportOptions } from "./outbound.ts";
import type { Resolver } from "./policy.ts";
import { createProxyServer } from "./proxy.ts";

export { parseOperatorAllow, defaultLimits };
export type { EgressLimits, EgressRecord, OperatorEntry, Resolver, TenantEgressPolicy };
export type { EgressCode, Refusal } from "./refusal.ts";

export interface EgressProxyOptions {
  /** `IOTA_EGRESS_ALLOW` as written, or already parsed. Endpoints it names bypass the address block list. */
  operatorAllow?: string | readonly OperatorEntry[];
  /** The tenant's allow and deny lists; no lists means any public host. */
  tenantPolicy?: (tenantId: string) => Promise<TenantEgressPolicy>;
  /** Called once per outbound request and redirect hop, refused or not. */
  onRecord?: (record: EgressRecord) => void;
  /** Name lookup; defaults to the system's. Tests hand in their own. */
  resolve?: Resolver;
  limits?: Partial<EgressLimits>;
  /** Require this value in `x-iota-egress-secret` on every request. */
  secret?: string;
  /** Extra CAs to trust for https targets. */
  ca?: TransportOptions["ca"];
  /** Where to listen: loopback and a free port unless told otherwise. */
  bindAddress?: string;
  port?: number;
  log?: HostLog;
}

export interface EgressProxy {
  port: number;
  /** Drops an execution's request count; call it when the execution ends. */
  forget(executionId: string): void;
  close(): Promise<void>;
}

export const systemResolver: Resolver = (host) => lookup(host, { all: true, verbatim: true });

export async function startEgressProxy(options: EgressProxyOptions = {}): Promise<EgressProxy> {
  const limits: EgressLimits = { ...defaultLimits, ...options.limits };
  const operatorAllow =
    typeof options.operatorAllow === "string" || options.operatorAllow === undefined ? parseOperatorAllow(options.operatorAllow) : options.operatorAllow;
  const counter = new RequestCounter(limits.maxRequestsPerExecution);
  const log = options.log;
  const onFault = (event: string, error: unknown) => log?.error(event, { error: error instanceof Error ? error.message : String(error) });
  const onRecord = options.onRecord;
  const deps = {
    limits,
    counter,
    operatorAllow,
    tenantPolicy: options.tenantPolicy ?? (async () => ({})),
    resolve: options.resolve ?? systemResolver,
    send: createSend({ maxResponseBytes: limits.maxResponseBytes, ca: options.ca }),
    // A failing recorder must not turn into a failed fetch; it is our fault, so it is logged.
    record: (record: EgressRecord) => {
      try {
        onRecord?.(record);
      } catch (error) {
        onFault("egress.record_failed", error);
      }
    },
    onFault,
  };
  const server = createProxyServer({
    // Each request's own records travel back with its answer, so the runner that asked files
    // them with its execution without a round trip to the host.
    exchange: async (request, cancelled) => {
      const records: EgressRecord[] = [];
      const result = await exchange(
        request,
        {
          ...deps,
          record: (r) => {
            records.push(r);
            deps.record(r);
          },
        },
        cancelled,
      );
      return { ...result, records };
    },
    maxRequestBytes: limits.maxRequestBytes,
    secret: options.secret,
    onFault,
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.bindAddress ?? "127.0.0.1", () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    forget: (executionId) => counter.forget(executionId),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
