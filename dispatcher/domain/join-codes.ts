// Join codes: how someone who already has an account agrees to join another tenant. The person
// makes a code for that tenant and hands it to its owner, who adds them with it. The owner never
// types a username that might or might not exist, so adding members tells a tenant nothing about
// who else is on the platform.
//
// A code is `iota_join_<payload>.<mac>`: the payload names the user, the tenant slug and the
// expiry; the MAC is HMAC-SHA256 keyed by the user's stored password hash, a secret that only the
// database holds. Nothing is stored: changing the password voids every code made before.

import { base64Url, fromBase64Url } from "./base64url.ts";

const prefix = "iota_join_";
export const joinCodeHours = 24;

export interface JoinClaim {
  userId: string;
  tenant: string;
  expiresAt: number;
}

const encoder = new TextEncoder();

function macKey(passwordHash: string, usage: "sign" | "verify"): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", encoder.encode(passwordHash), { name: "HMAC", hash: "SHA-256" }, false, [usage]);
}

/** What the MAC covers: a label, so the same key can never sign something else by accident. */
const signed = (payload: string) => encoder.encode(`iota join code\n${payload}`);

export async function makeJoinCode(claim: JoinClaim, passwordHash: string): Promise<string> {
  const payload = base64Url(encoder.encode(JSON.stringify({ u: claim.userId, t: claim.tenant, e: claim.expiresAt })));
  const mac = await crypto.subtle.sign("HMAC", await macKey(passwordHash, "sign"), signed(payload));
  return `${prefix}${payload}.${base64Url(new Uint8Array(mac))}`;
}

/** The claim a code makes, unchecked: enough to find whose password hash verifies it. */
export function readJoinCode(code: string): (JoinClaim & { payload: string; mac: Uint8Array }) | undefined {
  if (!code.startsWith(prefix)) return undefined;
  const [payload, macText, ...rest] = code.slice(prefix.length).split(".");
  const bytes = fromBase64Url(payload ?? "");
  const mac = fromBase64Url(macText ?? "");
  if (!bytes || !mac || rest.length > 0) return undefined;
  try {
    const { u, t, e } = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    if (typeof u !== "string" || typeof t !== "string" || typeof e !== "number") return undefined;
    return { userId: u, tenant: t, expiresAt: e, payload: payload!, mac };
  } catch {
    return undefined;
  }
}

/** True when the MAC was made with this password hash (compared in constant time by WebCrypto). */
export async function joinCodeVerifies(claim: { payload: string; mac: Uint8Array }, passwordHash: string): Promise<boolean> {
  return crypto.subtle.verify("HMAC", await macKey(passwordHash, "verify"), claim.mac as BufferSource, signed(claim.payload));
}
