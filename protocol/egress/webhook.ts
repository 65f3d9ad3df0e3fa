// Whether an address the platform sends to (an alert's webhook) is one the egress policy refuses,
// judged from the URL alone, as far as it can be: an address literal in any spelling (the URL
// parser decodes hex, octal, short and IPv4-in-IPv6 forms to one text) or a name that always
// means this machine. Where a DNS name leads is known only when it is resolved, so such a name
// is checked again, with the rest of the policy, each time something is sent to it.
import { classifyIp, classifyName } from "./address-policy.ts";
import { operatorAllowsAddress, operatorAllowsName, type OperatorEntry } from "./allow-lists.ts";
import { parseIp } from "./ip-ranges.ts";

const defaultPorts: Record<string, number> = { "http:": 80, "https:": 443 };

/**
 * Why the egress policy would refuse `raw`, completing "the webhook ..."; undefined when the
 * URL alone does not say so. `operatorAllow`: the operator's list (IOTA_EGRESS_ALLOW), whose
 * endpoints are opened despite the address policy.
 */
export function webhookRefusal(raw: string, operatorAllow: readonly OperatorEntry[] = []): string | undefined {
  const url = URL.parse(raw);
  const defaultPort = url ? defaultPorts[url.protocol] : undefined;
  if (!url || defaultPort === undefined) return "is not an http(s) URL";
  if (url.username !== "" || url.password !== "") return "may not carry credentials (user:password@): the egress policy refuses them";
  const bracketed = url.hostname.startsWith("[");
  const literal = bracketed ? url.hostname.slice(1, -1) : url.hostname;
  const port = url.port === "" ? defaultPort : Number(url.port);
  const ip = parseIp(literal);
  if (ip !== null) {
    const verdict = classifyIp(ip);
    if (!verdict.blocked || operatorAllowsAddress(operatorAllow, ip, port)) return undefined;
    return `goes to ${literal}, ${verdict.reason}, which the egress policy refuses`;
  }
  const host = literal.endsWith(".") ? literal.slice(0, -1) : literal;
  if (operatorAllowsName(operatorAllow, host, port)) return undefined;
  const name = classifyName(host);
  return name.blocked ? `goes to ${host}, ${name.reason}, which the egress policy refuses` : undefined;
}
