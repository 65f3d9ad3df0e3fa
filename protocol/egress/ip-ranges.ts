// IP addresses as numbers, and CIDR blocks over them. Written out here rather than borrowed from
// node:net so that the egress policy's idea of an address is plain, testable arithmetic with no
// runtime in it. Parsing is strict on purpose: every address we check comes either from the URL
// parser or from the resolver, both of which print canonical text, so anything unusual is
// refused rather than guessed at.

export type Family = 4 | 6;

export interface Ip {
  family: Family;
  value: bigint;
}

export interface Cidr {
  family: Family;
  base: bigint;
  bits: number;
  /** As written in the policy table or the operator's list, for messages. */
  text: string;
}

const width = (family: Family) => (family === 4 ? 32 : 128);

/** Dotted decimal only (`10.0.0.5`); octal, hex and short forms are the URL parser's job. */
export function parseIPv4(text: string): bigint | null {
  const parts = text.split(".");
  if (parts.length !== 4) return null;
  let value = 0n;
  for (const part of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return null;
    const n = Number(part);
    if (n > 255) return null;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function hexGroups(text: string, allowIPv4Tail: boolean): number[] | null {
  if (text === "") return [];
  const out: number[] = [];
  const groups = text.split(":");
  for (let i = 0; i < groups.length; i++) {
    const group = groups[i]!;
    if (allowIPv4Tail && i === groups.length - 1 && group.includes(".")) {
      const v4 = parseIPv4(group);
      if (v4 === null) return null;
      out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
    } else if (/^[0-9a-f]{1,4}$/i.test(group)) {
      out.push(parseInt(group, 16));
    } else {
      return null;
    }
  }
  return out;
}

/** Any RFC 4291 text form, with or without a zone id (`fe80::1%eth0`), without brackets. */
export function parseIPv6(text: string): bigint | null {
  // A zone names the interface to use, not a different address; the address alone is checked.
  const zone = text.indexOf("%");
  const bare = zone >= 0 ? text.slice(0, zone) : text;
  const halves = bare.split("::");
  if (halves.length > 2) return null;
  const compressed = halves.length === 2;
  const head = hexGroups(halves[0]!, !compressed);
  const tail = compressed ? hexGroups(halves[1]!, true) : [];
  if (head === null || tail === null) return null;
  const given = head.length + tail.length;
  if (compressed ? given > 7 : given !== 8) return null;
  const words = [...head, ...Array<number>(8 - given).fill(0), ...tail];
  return words.reduce((value, word) => (value << 16n) | BigInt(word), 0n);
}

/** An address from the URL parser or a resolver: `10.0.0.5`, `::1`, `[::1]`. */
export function parseIp(text: string): Ip | null {
  const v4 = parseIPv4(text);
  if (v4 !== null) return { family: 4, value: v4 };
  const unbracketed = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  if (!unbracketed.includes(":")) return null;
  const v6 = parseIPv6(unbracketed);
  return v6 === null ? null : { family: 6, value: v6 };
}

export function formatIPv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join(".");
}

/** `10.0.0.0/8`, `fc00::/7`. Host bits below the prefix are ignored (`127.0.0.1/8` is 127/8). */
export function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf("/");
  if (slash < 0) return null;
  const ip = parseIp(text.slice(0, slash));
  const bitsText = text.slice(slash + 1);
  if (ip === null || !/^[0-9]{1,3}$/.test(bitsText)) return null;
  const bits = Number(bitsText);
  if (bits > width(ip.family)) return null;
  return { family: ip.family, base: mask(ip.value, ip.family, bits), bits, text };
}

function mask(value: bigint, family: Family, bits: number): bigint {
  const shift = BigInt(width(family) - bits);
  return (value >> shift) << shift;
}

export function cidrContains(cidr: Cidr, ip: Ip): boolean {
  return cidr.family === ip.family && mask(ip.value, ip.family, cidr.bits) === cidr.base;
}

/** For tables written in source: a typo there is a bug, so it throws. */
export function cidr(text: string): Cidr {
  const parsed = parseCidr(text);
  if (parsed === null) throw new Error(`bad CIDR in egress table: ${text}`);
  return parsed;
}
