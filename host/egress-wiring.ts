// Starts the egress proxy for the runners: tenants' allow and deny lists are the domain's, asked
// of the dispatcher for each request (it keeps them in its tenant cache: one cache, one staleness
// rule; nothing is kept here), and each request the proxy sees is added to its execution's record.
import type { DomainClient } from "./domain-client.ts";
import type { HostLog } from "./log.ts";
import { startEgressProxy, type EgressProxy, type TenantEgressPolicy } from "./egress/index.ts";
import type { RunnerPool } from "./runners/pool.ts";

export const egressCounters = { refusals: 0 };

export async function startEgress(domain: DomainClient, runners: () => RunnerPool, secret: string, log: HostLog): Promise<EgressProxy> {
  // Requests of one tenant that arrive while its lists are being asked for share that answer
  // (a script's Promise.all of fetches asks once); the answer is not kept after it arrives.
  const asking = new Map<string, Promise<TenantEgressPolicy>>();
  function tenantPolicy(tenantId: string): Promise<TenantEgressPolicy> {
    let answer = asking.get(tenantId);
    if (!answer) {
      answer = domain.egressPolicy(tenantId).finally(() => asking.delete(tenantId));
      asking.set(tenantId, answer);
    }
    return answer;
  }
  return startEgressProxy({
    operatorAllow: process.env.IOTA_EGRESS_ALLOW,
    tenantPolicy,
    secret,
    log,
    onRecord: (r) => {
      if (r.refused) egressCounters.refusals++;
      runners().recordOutbound(r.executionId, r.tenantId, {
        method: r.method,
        url: r.url,
        host: r.host,
        status: r.status,
        bytes: r.bytes,
        ms: r.ms,
        ...(r.refused ? { refused: r.refused } : {}),
      });
    },
  });
}
