// The decision for one hop: may this tenant fetch this target, and if so, which one address do
// we connect to. The answer pins the address: the connection goes to exactly the address that
// was checked, so a name whose DNS answer changes between our check and the connect (rebinding)
// cannot slip a private address in. Every address a name resolves to is checked, not just the
// first, because we do not control which one a retry or another client would pick.
import { classifyIp, classifyName } from "./address-policy.ts";
import { operatorAllowsAddress, operatorAllowsName, tenantRefusal, type OperatorEntry, type TenantEgressPolicy } from "./allow-lists.ts";
import { parseIp, type Family, type Ip } from "./ip-ranges.ts";
import { refusal, type Refusal } from "./refusal.ts";
import type { Target } from "./target.ts";

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** `dns.promises.lookup(host, { all: true, verbatim: true })`, or a stand-in in tests. */
export type Resolver = (host: string) => Promise<readonly ResolvedAddress[]>;

export interface PolicyInputs {
  operatorAllow: readonly OperatorEntry[];
  tenant: TenantEgressPolicy;
  resolve: Resolver;
}

export type Decision = { ok: true; address: string; family: Family } | { ok: false; refusal: Refusal };

const blocked = (target: Target, reason: string): Decision => ({ ok: false, refusal: refusal("EGRESS_BLOCKED", target.display, reason) });

export async function decide(target: Target, inputs: PolicyInputs): Promise<Decision> {
  const { host, port } = target;
  const tenantSays = tenantRefusal(inputs.tenant, host);
  if (tenantSays !== null) return blocked(target, tenantSays);

  if (target.ip !== null) {
    return checkAddress(target, target.ip, host, inputs.operatorAllow, (reason) => `${host} is ${reason}`);
  }

  const namedByOperator = operatorAllowsName(inputs.operatorAllow, host, port) !== undefined;
  if (!namedByOperator) {
    const name = classifyName(host);
    if (name.blocked) return blocked(target, `${host} is ${name.reason}`);
  }

  let answers: readonly ResolvedAddress[];
  try {
    answers = await inputs.resolve(target.url.hostname);
  } catch {
    return { ok: false, refusal: refusal("EGRESS_FAILED", target.display, `${host} could not be resolved`) };
  }
  if (answers.length === 0) return { ok: false, refusal: refusal("EGRESS_FAILED", target.display, `${host} could not be resolved`) };

  let chosen: Decision | undefined;
  for (const answer of answers) {
    const ip = parseIp(answer.address);
    if (ip === null) return blocked(target, `${host} resolves to ${answer.address}, which is not an address that can be checked`);
    if (namedByOperator) {
      chosen ??= { ok: true, address: answer.address, family: ip.family };
      continue;
    }
    const decision = checkAddress(target, ip, answer.address, inputs.operatorAllow, (reason) => `${host} resolves to ${answer.address}, ${reason}`);
    if (!decision.ok) return decision;
    chosen ??= decision;
  }
  return chosen!;
}

function checkAddress(target: Target, ip: Ip, address: string, operatorAllow: readonly OperatorEntry[], explain: (reason: string) => string): Decision {
  const verdict = classifyIp(ip);
  if (verdict.blocked && operatorAllowsAddress(operatorAllow, ip, target.port) === undefined) return blocked(target, explain(verdict.reason));
  return { ok: true, address, family: ip.family };
}
