// Starts the egress proxy for the runners: tenants' allow and deny lists come from the
// database (briefly cached), and each request it sees is added to its execution's record.
import type { Client } from "@libsql/client";
import type { HostLog } from "./log.ts";
import { startEgressProxy, type EgressProxy, type TenantEgressPolicy } from "./egress/index.ts";
import type { RunnerPool } from "./runners/pool.ts";

const cacheMs = 5000;

export const egressCounters = { refusals: 0 };

export async function startEgress(db: Client, runners: () => RunnerPool, secret: string, log: HostLog): Promise<EgressProxy> {
  const cache = new Map<string, { at: number; policy: TenantEgressPolicy }>();
  async function tenantPolicy(tenantId: string): Promise<TenantEgressPolicy> {
    const hit = cache.get(tenantId);
    if (hit && Date.now() - hit.at < cacheMs) return hit.policy;
    const rs = await db.execute({ sql: "SELECT egress_allow, egress_deny FROM tenants WHERE id = ?", args: [tenantId] });
    const row = rs.rows[0];
    // An unknown tenant gets nothing: deny every host.
    const policy: TenantEgressPolicy = row ? { allow: JSON.parse(String(row[0] ?? "[]")), deny: JSON.parse(String(row[1] ?? "[]")) } : { deny: ["*"] };
    cache.set(tenantId, { at: Date.now(), policy });
    return policy;
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
