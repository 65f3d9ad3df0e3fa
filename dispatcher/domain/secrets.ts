// Random identifiers and API token secrets. WebCrypto only, so the host (Node) and the
// dispatcher (workerd) share this file.

const alphabet = "0123456789abcdefghjkmnpqrstvwxyz";

function randomChars(count: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(count));
  let out = "";
  for (const b of bytes) out += alphabet[b & 31];
  return out;
}

let lastTime = 0;
let sequence = 0;

/**
 * A sortable id: time first, so newer rows sort after older ones, then a counter within the
 * millisecond, then randomness. The counter matters in workerd, whose clock stands still during
 * synchronous code: the 500 deliveries of one batch of events get one time, and must still
 * queue in the order they were published.
 */
export function newId(prefix: string): string {
  const now = Date.now();
  if (now > lastTime) {
    lastTime = now;
    sequence = 0;
  } else {
    sequence++;
  }
  const time = lastTime.toString(32).padStart(10, "0");
  return `${prefix}_${time}${(sequence % 32 ** 4).toString(32).padStart(4, "0")}${randomChars(10)}`;
}

/** A token as shown to its owner once: `iota_` and 40 random characters (200 bits). */
export function newTokenSecret(): string {
  return `iota_${randomChars(40)}`;
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
