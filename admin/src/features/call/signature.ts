// Request signatures as a signed endpoint checks them (dispatcher/domain/endpoints.ts), made in
// the browser with WebCrypto so a test request or a curl line can carry a valid one.
import type { HmacScheme } from "../editor/draft.ts";

async function hmacHex(secret: string, data: string): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(data)));
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The header value for `body`: `sha256-hex` is the hex HMAC-SHA256 of the body; `stripe` is
 * `t=<unix seconds>,v1=<hex HMAC of "t.body">`, which the endpoint takes for five minutes.
 */
export async function signatureFor(scheme: HmacScheme, secret: string, body: string, now = Date.now()): Promise<string> {
  if (scheme === "sha256-hex") return hmacHex(secret, body);
  const t = Math.floor(now / 1000);
  return `t=${t},v1=${await hmacHex(secret, `${t}.${body}`)}`;
}

export const signatureHeaderOf = (config: { hmacScheme?: HmacScheme | undefined; hmacHeader?: string | undefined }) =>
  config.hmacHeader ?? (config.hmacScheme === "stripe" ? "stripe-signature" : "x-signature");
