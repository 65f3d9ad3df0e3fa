// Failure counters that slow down guessing, each under a key of a known kind, and the sign-in
// rule for which keys an attempt counts under.
//
// No key is ever shared by every caller: a stranger's failures count against the username they
// typed (for clients that have never signed in as it) or, behind a trusted proxy, their address;
// a browser holding a device cookie for the username counts against that cookie alone. So a
// locked username refuses strangers, while its owner's browser still gets in.
import { and, eq, inArray, isNull, lte, or, sql } from "drizzle-orm";
import type { Database } from "../../db/open-remote.ts";
import { signInFailures } from "../../db/schema.ts";
import { AppError } from "../../protocol/errors.ts";

// Five wrong passwords lock a username (for strangers) or a device for a minute; an address gets
// more rope, since an office behind one address has many people in it. `taken` limits how many
// taken usernames a tenant may run into (see users.ts `add`).
const maxFailures = { user: 5, device: 5, client: 30, taken: 10 } as const;
export const signInFailureWindowMs = 15 * 60_000;
const lockMs = 60_000;

/** A key's limit, by its kind (`user:…`); a key of no known kind is a bug, not unlimited. */
function limitOf(key: string): number {
  const kind = key.slice(0, key.indexOf(":"));
  if (!Object.hasOwn(maxFailures, kind)) throw new Error(`no failure limit for key kind "${kind}"`);
  return maxFailures[kind as keyof typeof maxFailures];
}

export interface SignInSource {
  username: string;
  /** The device id from a genuine device cookie for this username. */
  device?: string;
  /** The client's address, only when a trusted proxy names it. */
  address?: string;
}

export function signInKeys({ username, device, address }: SignInSource): string[] {
  if (device) return [`device:${device}`];
  return [`user:${username.toLowerCase()}`, ...(address ? [`client:${address}`] : [])];
}

export class FailureCounts {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  /** Refuses with 429 and how long to wait while any of the keys is locked. */
  async refuseIfLocked(keys: string[], what: string): Promise<void> {
    const now = new Date().toISOString();
    const rows = await this.#db.select().from(signInFailures).where(inArray(signInFailures.key, keys));
    const locked = rows
      .map((r) => r.lockedUntil)
      .filter((t): t is string => t !== null && t > now)
      .sort()
      .pop();
    if (locked) throw refusal(what, locked);
  }

  /**
   * Counts an attempt before its outcome is known (a success takes it back, see `succeeded`), and
   * refuses it if a key is locked: checking first and counting after would let a burst of
   * concurrent guesses all pass the check before the first failure is written.
   */
  async attempt(keys: string[], what: string): Promise<void> {
    await this.refuseIfLocked(keys, what);
    for (const key of keys) {
      if (await this.count(key)) continue;
      await this.refuseIfLocked(keys, what);
      throw refusal(what, new Date(Date.now() + 1000).toISOString());
    }
  }

  /** One more failure under `key`, unless it is locked; answers whether it was counted. */
  async count(key: string): Promise<boolean> {
    const now = Date.now();
    const at = new Date(now).toISOString();
    const lockUntil = new Date(now + lockMs).toISOString();
    const expired = sql`${signInFailures.windowStart} < ${new Date(now - signInFailureWindowMs).toISOString()}`;
    const failures = sql`CASE WHEN ${expired} THEN 1 ELSE ${signInFailures.failures} + 1 END`;
    // Twice at most: a concurrent first attempt may create the row between our two statements.
    for (let round = 0; round < 2; round++) {
      // One statement decides and counts, so concurrent attempts cannot both take the last slot.
      const counted = await this.#db
        .update(signInFailures)
        .set({
          failures,
          windowStart: sql`CASE WHEN ${expired} THEN ${at} ELSE ${signInFailures.windowStart} END`,
          lockedUntil: sql`CASE WHEN ${failures} >= ${limitOf(key)} THEN ${lockUntil} ELSE ${signInFailures.lockedUntil} END`,
        })
        .where(and(eq(signInFailures.key, key), or(isNull(signInFailures.lockedUntil), lte(signInFailures.lockedUntil, at))))
        .returning({ key: signInFailures.key });
      if (counted.length > 0) return true;
      const created = await this.#db
        .insert(signInFailures)
        .values({ key, failures: 1, windowStart: at, lockedUntil: limitOf(key) <= 1 ? lockUntil : null })
        .onConflictDoNothing()
        .returning({ key: signInFailures.key });
      if (created.length > 0) return true;
    }
    return false;
  }

  /**
   * Takes back a successful attempt. It proves the user (or device) is not being guessed at, so
   * their count starts over; an address only gets this one attempt back, so whoever owns one
   * account cannot wipe the count of guesses made from their address at others.
   */
  async succeeded(keys: string[]): Promise<void> {
    const addresses = keys.filter((k) => k.startsWith("client:"));
    const others = keys.filter((k) => !k.startsWith("client:"));
    if (others.length > 0) await this.#db.delete(signInFailures).where(inArray(signInFailures.key, others));
    for (const key of addresses) {
      await this.#db
        .update(signInFailures)
        .set({
          failures: sql`max(${signInFailures.failures} - 1, 0)`,
          lockedUntil: sql`CASE WHEN ${signInFailures.failures} - 1 >= ${limitOf(key)} THEN ${signInFailures.lockedUntil} ELSE NULL END`,
        })
        .where(eq(signInFailures.key, key));
    }
  }
}

function refusal(what: string, lockedUntil: string): AppError {
  const seconds = Math.max(1, Math.ceil((Date.parse(lockedUntil) - Date.now()) / 1000));
  return new AppError("RATE_LIMITED", `${what}; try again in ${seconds} s`, { details: { retryAfterSeconds: seconds } });
}
