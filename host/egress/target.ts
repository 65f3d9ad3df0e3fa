// Turns the URL a script asked for into the one thing the policy judges: a scheme, a host and a
// port. The WHATWG parser does the decoding (hex, octal and short IPv4 forms, percent-encoding,
// IDNA, case, trailing dots on addresses), so every spelling of an address reaches the policy as
// the same canonical text, and the connection is later made from this parse, never a re-parse.
import { parseIp, type Ip } from "./ip-ranges.ts";
import { refusal, type Refusal } from "./refusal.ts";

export interface Target {
  url: URL;
  /** scheme://host/path: what messages and records show. The query may hold secrets; it is left out. */
  display: string;
  /** Lower case, without brackets or a trailing dot: what allow and deny lists match against. */
  host: string;
  /** Set when the host is an address literal; then no lookup happens. */
  ip: Ip | null;
  port: number;
}

export type TargetResult = { ok: true; target: Target } | { ok: false; refusal: Refusal; display: string };

const defaultPorts: Record<string, number> = { "http:": 80, "https:": 443 };

export function displayUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/** What to show for text that did not parse: enough to recognise it, never its query. */
function displayRaw(raw: string): string {
  const cut = raw.split(/[?#]/, 1)[0]!;
  if (cut === "") return "(no URL)";
  return cut.length > 200 ? `${cut.slice(0, 200)}…` : cut;
}

export function parseTarget(raw: string, base?: URL): TargetResult {
  const url = URL.parse(raw, base);
  if (url === null) return bad(displayRaw(raw), "it is not a valid URL");
  const display = displayUrl(url);
  const defaultPort = defaultPorts[url.protocol];
  if (defaultPort === undefined) {
    return bad(display, `only http and https are allowed, not ${url.protocol.slice(0, -1)}`);
  }
  // The Fetch standard refuses credentials in URLs too. Refusing them here also ends every
  // `http://127.0.0.1:80@example.com` confusion: there is only ever one host in an accepted URL.
  if (url.username !== "" || url.password !== "") {
    return bad(display, "URLs with credentials (user:password@) are not allowed; send an Authorization header instead");
  }
  const bracketed = url.hostname.startsWith("[");
  const literal = bracketed ? url.hostname.slice(1, -1) : url.hostname;
  const ip = parseIp(literal);
  if (bracketed && ip === null) return bad(display, "its IPv6 address cannot be read");
  let host = literal;
  if (ip === null) {
    // `example.com.` is the same name as `example.com`; `a..b` or `..` is no name at all.
    host = literal.endsWith(".") ? literal.slice(0, -1) : literal;
    if (host === "" || host.split(".").some((label) => label === "")) return bad(display, "its host name has an empty label");
  }
  const port = url.port === "" ? defaultPort : Number(url.port);
  return { ok: true, target: { url, display, host, ip, port } };
}

function bad(display: string, reason: string): TargetResult {
  return { ok: false, refusal: refusal("EGRESS_BAD_URL", display, reason), display };
}
