// A tenant's own egress lists, as the host's egress proxy asks for them on each outbound request
// of a script or alert webhook (GET /internal/egress-policy/:tenant). Read through the tenant
// cache, so the policy has one cache with one rule: a change made here is seen at once, one made
// through another host on the same database within its 2 s.
import type { TenantEgressPolicy } from "../../protocol/egress/allow-lists.ts";
import type { TenantService } from "./tenants.ts";

export async function egressPolicyOf(tenants: TenantService, tenantId: string): Promise<TenantEgressPolicy> {
  const tenant = await tenants.findById(tenantId);
  // An unknown tenant gets nothing: deny every host.
  if (!tenant) return { deny: ["*"] };
  return { allow: tenant.egressAllow, deny: tenant.egressDeny };
}
