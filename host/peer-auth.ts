// How hosts on one database know each other: a request from one host's peer relay to another's
// peer listener is signed with HMAC-SHA256 under a key both derive from IOTA_SECRETS_KEY, which
// hosts sharing a database must share already. The signature covers the host it is meant for,
// the path with its query and the time, so it reads that one execution's live state (/live), or
// cancels that one execution for that one person (/cancel), on that one host, for a minute at
// most; a signed read is no cancel, and nothing without the key does either.
import { createHmac, hkdfSync, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

/** How far a signed request's time may be from the receiver's clock. */
const skewMs = 30_000;

/** The host-to-host key, derived (HKDF) so the secrets key itself never signs anything. */
export function peerKey(secretsKeyBase64: string): Buffer {
  return Buffer.from(hkdfSync("sha256", Buffer.from(secretsKeyBase64, "base64"), Buffer.alloc(0), "iota-scripts host-to-host v1", 32));
}

function mac(key: Buffer, to: string, path: string, time: string): Buffer {
  return createHmac("sha256", key).update(`${to}\n${path}\n${time}`).digest();
}

/** Headers for a request to host `to` for `path` (with its query). */
export function signPeerRequest(key: Buffer, to: string, path: string, now = Date.now()): Record<string, string> {
  const time = String(now);
  return { "x-iota-peer-to": to, "x-iota-peer-time": time, "x-iota-peer-signature": mac(key, to, path, time).toString("hex") };
}

/** Whether a request came from a host holding the key, meant for host `me`, recently. */
export function verifyPeerRequest(key: Buffer, me: string, path: string, headers: IncomingHttpHeaders, now = Date.now()): boolean {
  const to = headers["x-iota-peer-to"];
  const time = headers["x-iota-peer-time"];
  const signature = headers["x-iota-peer-signature"];
  if (to !== me || typeof time !== "string" || typeof signature !== "string" || !/^\d{1,16}$/.test(time)) return false;
  if (Math.abs(now - Number(time)) > skewMs) return false;
  const given = Buffer.from(signature, "hex");
  const expected = mac(key, me, path, time);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
