// Password hashing with PBKDF2-SHA256 from WebCrypto (the host and the dispatcher share it).
// 100,000 iterations: the most Cloudflare's runtime allows, and a real cost to guessing.

const iterations = 100_000;

function toHex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function fromHex(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

async function derive(password: string, salt: Uint8Array, rounds: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: salt as BufferSource, iterations: rounds }, key, 256);
  return new Uint8Array(bits);
}

/** `pbkdf2-sha256$<iterations>$<salt hex>$<hash hex>` */
export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return `pbkdf2-sha256$${iterations}$${toHex(salt)}$${toHex(await derive(password, salt, iterations))}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, rounds, salt, hash] = stored.split("$");
  if (scheme !== "pbkdf2-sha256" || !rounds || !salt || !hash) return false;
  const actual = await derive(password, fromHex(salt), Number(rounds));
  const expected = fromHex(hash);
  // Constant time: the comparison must not tell how many bytes matched.
  let diff = actual.length ^ expected.length;
  for (let i = 0; i < actual.length; i++) diff |= actual[i]! ^ (expected[i] ?? 0);
  return diff === 0;
}

/**
 * A well-formed hash that no password matches (its salt and hash are zeros): checking a sign-in
 * against it when the username is unknown costs the same PBKDF2 as a real check, so the time an
 * answer takes does not tell which usernames exist.
 */
export const decoyHash = `pbkdf2-sha256$${iterations}$${"00".repeat(16)}$${"00".repeat(32)}`;

/** Checks a new password is worth storing; answers the reason when it is not. */
export function weakPasswordReason(password: string): string | undefined {
  if (password.length < 10) return "password must be at least 10 characters";
  if (password.length > 200) return "password must be at most 200 characters";
  return undefined;
}
