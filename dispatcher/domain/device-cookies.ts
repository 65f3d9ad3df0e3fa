// Device cookies (OWASP's defence against lockout abuse): a browser that has signed in as a user
// carries proof of it, so failures from strangers, who lack that proof, cannot lock it out.
//
// A cookie is `<payload>.<mac>`: the payload names the username (lower case), a random device id
// and the expiry; the MAC is HMAC-SHA256 under a key derived from SECRETS_KEY by HKDF, so it is
// never the key that seals tenants' secrets. Nothing is stored per device.

import { base64Url, fromBase64Url } from "./base64url.ts";

const cookiePrefix = "iota_device_";
const lifetimeDays = 90;
// More than a person signs in as from one browser, few enough that a client cannot make us check many.
const maxPresented = 16;

export interface IssuedDeviceCookie {
  name: string;
  value: string;
  maxAgeSeconds: number;
}

const encoder = new TextEncoder();

/** What the MAC covers: a label, so this key can never vouch for anything else. */
const signed = (payload: string) => encoder.encode(`iota device cookie\n${payload}`);

/** True for the names of cookies this module issues: the route hands us only those. */
export const isDeviceCookieName = (name: string): boolean => name.startsWith(cookiePrefix);

export class DeviceCookies {
  readonly #key: Promise<CryptoKey>;

  constructor(secretsKeyBase64: string) {
    const raw = Uint8Array.from(atob(secretsKeyBase64), (c) => c.charCodeAt(0));
    this.#key = crypto.subtle
      .importKey("raw", raw, "HKDF", false, ["deriveKey"])
      .then((base) =>
        crypto.subtle.deriveKey(
          { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(32), info: encoder.encode("iota device cookie v1") },
          base,
          { name: "HMAC", hash: "SHA-256", length: 256 },
          false,
          ["sign", "verify"],
        ),
      );
  }

  /** A fresh cookie for a browser that just signed in as `username`. */
  async issue(username: string, now = Date.now()): Promise<IssuedDeviceCookie> {
    const user = username.toLowerCase();
    const device = base64Url(crypto.getRandomValues(new Uint8Array(16)));
    const payload = base64Url(encoder.encode(JSON.stringify({ u: user, d: device, e: now + lifetimeDays * 86_400_000 })));
    const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await this.#key, signed(payload)));
    // One cookie per user per browser, so people who share a browser do not push each other out.
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(user)));
    const name = `${cookiePrefix}${[...digest.slice(0, 6)].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
    return { name, value: `${payload}.${base64Url(mac)}`, maxAgeSeconds: lifetimeDays * 86_400 };
  }

  /** The device id of a presented cookie that is genuine, unexpired and names `username`. */
  async recognise(presented: readonly string[], username: string, now = Date.now()): Promise<string | undefined> {
    const user = username.toLowerCase();
    for (const value of presented.slice(0, maxPresented)) {
      const [payload, macText, ...rest] = value.split(".");
      const bytes = fromBase64Url(payload ?? "");
      const mac = fromBase64Url(macText ?? "");
      if (!bytes || !mac || rest.length > 0) continue;
      const claim = parse(bytes);
      if (!claim || claim.u !== user || claim.e <= now) continue;
      if (await crypto.subtle.verify("HMAC", await this.#key, mac as BufferSource, signed(payload!))) return claim.d;
    }
    return undefined;
  }
}

function parse(bytes: Uint8Array): { u: string; d: string; e: number } | undefined {
  try {
    const { u, d, e } = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
    return typeof u === "string" && typeof d === "string" && typeof e === "number" ? { u, d, e } : undefined;
  } catch {
    return undefined;
  }
}

let cached: { key: string; cookies: DeviceCookies } | undefined;

/** One instance per key (the derivation is async work worth doing once); none without a key. */
export function deviceCookiesFor(secretsKeyBase64: string | undefined): DeviceCookies | undefined {
  if (!secretsKeyBase64) return undefined;
  if (cached?.key !== secretsKeyBase64) cached = { key: secretsKeyBase64, cookies: new DeviceCookies(secretsKeyBase64) };
  return cached.cookies;
}
