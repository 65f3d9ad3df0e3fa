// Which headers cross the proxy. Hop-by-hop headers describe one connection and must not be
// replayed on another (RFC 9110 §7.6.1); `x-iota-*` are the platform's own and say which tenant
// and execution is asking, which is none of the remote server's business.

const hopByHop = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "proxy-connection",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

/** Headers as ordered name/value pairs, repeated names kept (set-cookie). */
export type HeaderList = [name: string, value: string][];

export function pairs(rawHeaders: readonly string[]): HeaderList {
  const out: HeaderList = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) out.push([rawHeaders[i]!, rawHeaders[i + 1]!]);
  return out;
}

function connectionTokens(headers: HeaderList): Set<string> {
  const named = new Set<string>();
  for (const [name, value] of headers) {
    if (name.toLowerCase() !== "connection") continue;
    for (const token of value.split(",")) named.add(token.trim().toLowerCase());
  }
  return named;
}

function without(headers: HeaderList, drop: (lower: string) => boolean): HeaderList {
  const named = connectionTokens(headers);
  return headers.filter(([name]) => {
    const lower = name.toLowerCase();
    return !hopByHop.has(lower) && !named.has(lower) && !drop(lower);
  });
}

/**
 * What we send upstream. Host and the body's length are set from the target and the buffered
 * body; Expect is answered by our own server already.
 */
export function requestHeaders(incoming: HeaderList): HeaderList {
  return without(incoming, (lower) => lower.startsWith("x-iota-") || lower === "host" || lower === "content-length" || lower === "expect");
}

/**
 * What the script gets back. The length is set from the buffered body. `x-iota-*` goes too: a
 * remote server must not be able to dress its answer up as one of our refusals.
 */
export function responseHeaders(upstream: HeaderList, keepLength: boolean): HeaderList {
  return without(upstream, (lower) => lower.startsWith("x-iota-") || (lower === "content-length" && !keepLength));
}

export function headerValue(headers: HeaderList, name: string): string | undefined {
  return headers.find(([n]) => n.toLowerCase() === name)?.[1];
}
