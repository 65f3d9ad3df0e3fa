// Which addresses a script may never reach: everything that is not plainly the public internet.
// The tables follow the IANA special-purpose registries (RFC 6890 and successors). IPv6 forms
// that carry an IPv4 address inside them are judged by that IPv4 address, because that is where
// a packet to them ends up (the kernel for ::ffff:a.b.c.d, a NAT64 or 6to4 gateway otherwise).
import { cidr, cidrContains, formatIPv4, parseIp, type Cidr, type Ip } from "./ip-ranges.ts";

export type AddressVerdict = { blocked: false } | { blocked: true; reason: string };

interface Special {
  range: Cidr;
  label: string;
}

const table = (rows: [string, string][]): Special[] => rows.map(([text, label]) => ({ range: cidr(text), label }));

// First match wins, so narrower rows come before the wider rows around them.
const ipv4 = table([
  ["0.0.0.0/8", 'a "this network" address'],
  ["10.0.0.0/8", "a private address"],
  ["100.64.0.0/10", "a carrier-grade NAT address"],
  ["127.0.0.0/8", "a loopback address"],
  ["169.254.0.0/16", "a link-local/cloud-metadata address"],
  ["172.16.0.0/12", "a private address"],
  ["192.0.0.0/24", "an IETF protocol address"],
  ["192.0.2.0/24", "a documentation address"],
  ["192.88.99.0/24", "a reserved (6to4 relay) address"],
  ["192.168.0.0/16", "a private address"],
  ["198.18.0.0/15", "a benchmarking address"],
  ["198.51.100.0/24", "a documentation address"],
  ["203.0.113.0/24", "a documentation address"],
  ["224.0.0.0/4", "a multicast address"],
  ["255.255.255.255/32", "the broadcast address"],
  ["240.0.0.0/4", "a reserved address"],
]);

/** IPv6 ranges that embed an IPv4 address, and where: the bit offset of its 32 bits from the top. */
const embedding: { range: Cidr; form: string; offset: number }[] = [
  { range: cidr("::ffff:0:0/96"), form: "an IPv4-mapped form", offset: 96 },
  { range: cidr("::ffff:0:0:0/96"), form: "an IPv4-translated form", offset: 96 },
  { range: cidr("64:ff9b::/96"), form: "a NAT64 form", offset: 96 },
  { range: cidr("2002::/16"), form: "a 6to4 form", offset: 16 },
];

const ipv6 = table([
  ["::/128", "the unspecified address"],
  ["::1/128", "a loopback address"],
  ["::/96", "a deprecated IPv4-compatible address"],
  ["64:ff9b:1::/48", "a local-use NAT64 address"],
  ["100::/64", "a discard-only address"],
  ["2001::/23", "an IETF protocol address (Teredo and others)"],
  ["2001:db8::/32", "a documentation address"],
  ["3fff::/20", "a documentation address"],
  ["5f00::/16", "a reserved (SRv6) address"],
  ["fc00::/7", "a unique-local (private) address"],
  ["fe80::/10", "a link-local address"],
  ["fec0::/10", "a site-local address"],
  ["ff00::/8", "a multicast address"],
]);

// Deny by default for IPv6: only global unicast is handed out on the internet today, so anything
// outside it is either special or not yet assigned, and neither is a script's business.
const globalUnicast = cidr("2000::/3");

function describe(special: Special): string {
  return `${special.label} (${special.range.text})`;
}

function classifyIPv4(ip: Ip): AddressVerdict {
  const special = ipv4.find((row) => cidrContains(row.range, ip));
  return special ? { blocked: true, reason: describe(special) } : { blocked: false };
}

function classifyIPv6(ip: Ip): AddressVerdict {
  for (const { range, form, offset } of embedding) {
    if (!cidrContains(range, ip)) continue;
    const v4 = (ip.value >> BigInt(128 - offset - 32)) & 0xffffffffn;
    const inner = classifyIPv4({ family: 4, value: v4 });
    if (!inner.blocked) return inner;
    return { blocked: true, reason: `${form} of ${formatIPv4(v4)}, ${inner.reason}` };
  }
  const special = ipv6.find((row) => cidrContains(row.range, ip));
  if (special) return { blocked: true, reason: describe(special) };
  if (!cidrContains(globalUnicast, ip)) return { blocked: true, reason: `a reserved address (outside ${globalUnicast.text})` };
  return { blocked: false };
}

export function classifyIp(ip: Ip): AddressVerdict {
  return ip.family === 4 ? classifyIPv4(ip) : classifyIPv6(ip);
}

/** `reason` completes "<address> is …", e.g. "a private address (10.0.0.0/8)". */
export function classifyAddress(text: string): AddressVerdict {
  const ip = parseIp(text);
  if (ip === null) return { blocked: true, reason: "not an address that can be checked" };
  return classifyIp(ip);
}

/**
 * Names that mean this machine whatever DNS says (RFC 6761), refused before any lookup so that a
 * resolver which forwards them upstream, or a hosts file, cannot make them mean something else.
 */
export function classifyName(host: string): AddressVerdict {
  if (host === "localhost" || host.endsWith(".localhost")) return { blocked: true, reason: "a loopback name (RFC 6761)" };
  return { blocked: false };
}
