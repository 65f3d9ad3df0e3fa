// Redirects are followed here rather than by the script's runtime, because each hop is a new
// request to a new host that the policy has to judge; a 302 to http://169.254.169.254/ is the
// classic way around a check made only on the first URL. The rewriting follows the Fetch standard.
import type { HeaderList } from "./headers.ts";

export interface Hop {
  method: string;
  url: URL;
  headers: HeaderList;
  body: Uint8Array | null;
}

const followed = new Set([301, 302, 303, 307, 308]);

// Credentials for one origin must not be handed to whichever origin it redirects to.
const originBound = new Set(["authorization", "cookie", "proxy-authorization"]);
// These describe a body that a method-changing redirect drops.
const bodyBound = new Set(["content-type", "content-encoding", "content-language", "content-location", "content-length"]);

export function isFollowedRedirect(status: number, location: string | undefined): location is string {
  return followed.has(status) && location !== undefined && location !== "";
}

/** The hop a redirect asks for; `next` is the Location already resolved against the hop's URL. */
export function redirectedHop(previous: Hop, status: number, next: URL): Hop {
  // 307 and 308 exist to say "same method, same body". For 301, 302 and 303 we do what browsers
  // do for POST and apply it to every method: GET without a body (a HEAD stays a HEAD).
  const keepsBody = status === 307 || status === 308;
  const method = keepsBody || previous.method === "HEAD" ? previous.method : "GET";
  const crossOrigin = next.origin !== previous.url.origin;
  const headers = previous.headers.filter(([name]) => {
    const lower = name.toLowerCase();
    if (crossOrigin && originBound.has(lower)) return false;
    return keepsBody || !bodyBound.has(lower);
  });
  return { method, url: next, headers, body: keepsBody ? previous.body : null };
}
