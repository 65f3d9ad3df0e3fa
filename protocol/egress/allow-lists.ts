// The two lists that adjust the address policy. The operator's list (IOTA_EGRESS_ALLOW) opens
// specific blocked endpoints, e.g. an internal API or a test fixture on loopback; it is trusted
// configuration, so a bad entry stops the host at start-up. A tenant's lists only ever narrow:
// they choose among public hosts and can never open an address the policy blocks.
import { cidrContains, parseCidr, parseIp, type Cidr, type Ip } from "./ip-ranges.ts";

export type OperatorEntry = { kind: "endpoint"; text: string; host: string; ip: Ip | null; port: number } | { kind: "cidr"; text: string; cidr: Cidr };

export interface TenantEgressPolicy {
  /**
   * Host patterns: `api.stripe.com` is that host exactly; `*.example.com` is any name under
   * example.com but not example.com itself; `*` is any host. Non-empty means only these hosts.
   */
  allow?: readonly string[];
  /** Host patterns that are always refused, even when `allow` names them too. */
  deny?: readonly string[];
}

/** `IOTA_EGRESS_ALLOW`: comma-separated `host:port`, `[v6]:port` or CIDR (`127.0.0.1/32`). */
export function parseOperatorAllow(raw: string | undefined): OperatorEntry[] {
  const entries: OperatorEntry[] = [];
  for (const text of (raw ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)) {
    const entry = text.includes("/") ? cidrEntry(text) : endpointEntry(text);
    if (entry === null) {
      throw new Error(`IOTA_EGRESS_ALLOW: cannot read ${JSON.stringify(text)}; use host:port, [ipv6]:port or a CIDR like 127.0.0.1/32`);
    }
    entries.push(entry);
  }
  return entries;
}

function cidrEntry(text: string): OperatorEntry | null {
  const range = parseCidr(text);
  return range && { kind: "cidr", text, cidr: range };
}

function endpointEntry(text: string): OperatorEntry | null {
  const match = /^(\[[^\]]+\]|[^:[\]]+):([0-9]{1,5})$/.exec(text);
  if (!match) return null;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return null;
  const written = match[1]!;
  const ip = parseIp(written);
  if (written.startsWith("[") && ip === null) return null;
  return { kind: "endpoint", text, host: ip ? written.replace(/^\[|\]$/g, "") : normaliseHost(written), ip, port };
}

/** An entry naming this host (as written in the URL) and port; it opens whatever the name resolves to. */
export function operatorAllowsName(entries: readonly OperatorEntry[], host: string, port: number): OperatorEntry | undefined {
  return entries.find((e) => e.kind === "endpoint" && e.ip === null && e.host === host && e.port === port);
}

/** An entry covering the address we would connect to. */
export function operatorAllowsAddress(entries: readonly OperatorEntry[], ip: Ip, port: number): OperatorEntry | undefined {
  return entries.find((e) =>
    e.kind === "cidr" ? cidrContains(e.cidr, ip) : e.ip !== null && e.ip.family === ip.family && e.ip.value === ip.value && e.port === port,
  );
}

/**
 * A pattern in the form the URL parser gives hosts: lower case, IDNA-encoded, no trailing dot,
 * so that `Bücher.example.` in a tenant's list matches `http://bücher.example/`.
 */
function normaliseHost(written: string): string {
  const parsed = URL.parse(`http://${written}/`);
  const host = (parsed?.hostname ?? written.toLowerCase()).replace(/^\[|\]$/g, "");
  return host.endsWith(".") ? host.slice(0, -1) : host;
}

export function matchesPattern(pattern: string, host: string): boolean {
  const trimmed = pattern.trim();
  if (trimmed === "*") return true;
  if (trimmed.startsWith("*.")) return host.endsWith(`.${normaliseHost(trimmed.slice(2))}`);
  return host === normaliseHost(trimmed);
}

/** Why this tenant may not fetch from `host`, or null when its lists let it. */
export function tenantRefusal(policy: TenantEgressPolicy, host: string): string | null {
  const denied = policy.deny?.find((p) => matchesPattern(p, host));
  if (denied !== undefined) return `${host} is on this tenant's deny list (${denied.trim()})`;
  const allow = policy.allow ?? [];
  if (allow.length > 0 && !allow.some((p) => matchesPattern(p, host))) return `${host} is not on this tenant's allow list`;
  return null;
}
