// The first start of an empty database on Cloudflare, where no host runs a bootstrap: the
// platform tenant, its first admin token and the `admin` user, made by the dispatcher itself from
// the BOOTSTRAP_TOKEN (and BOOTSTRAP_PASSWORD) secrets, once per isolate, before its first
// request. Nothing is generated here: with no host to print it, a token nobody saw would lock
// everyone out, so without BOOTSTRAP_TOKEN an empty database stays empty (and says so).
import { count } from "drizzle-orm";
import type { Database } from "../../../db/open-remote.ts";
import { apiTokens, memberships, tenants, users } from "../../../db/schema.ts";
import { isUniqueViolation } from "../../domain/db-errors.ts";
import { hashPassword } from "../../domain/passwords.ts";
import { newId, sha256Hex } from "../../domain/secrets.ts";

export interface BootstrapBindings {
  /** The first platform admin's API token, e.g. `wrangler secret put BOOTSTRAP_TOKEN`. */
  BOOTSTRAP_TOKEN?: string;
  /** The `admin` user's first password; without it, only the token signs in. */
  BOOTSTRAP_PASSWORD?: string;
}

/** True when this call created the platform. */
export async function ensurePlatform(db: Database, env: BootstrapBindings): Promise<boolean> {
  const [{ n }] = (await db.select({ n: count() }).from(tenants)) as [{ n: number }];
  if (n > 0) return false;
  const token = env.BOOTSTRAP_TOKEN;
  if (!token) {
    console.warn(
      JSON.stringify({ level: "warn", event: "bootstrap.no_token", message: "the database is empty and BOOTSTRAP_TOKEN is not set: nobody can sign in" }),
    );
    return false;
  }
  const tenantId = newId("ten");
  const statements = [
    db.insert(tenants).values({ id: tenantId, slug: "default", name: "Default" }),
    db.insert(apiTokens).values({
      id: newId("tok"),
      tenantId,
      name: "bootstrap platform admin",
      role: "owner",
      platformAdmin: true,
      tokenHash: await sha256Hex(token),
      createdBy: "bootstrap",
    }),
  ] as const;
  const password = env.BOOTSTRAP_PASSWORD;
  const userId = newId("usr");
  try {
    if (password) {
      await db.batch([
        ...statements,
        db.insert(users).values({ id: userId, username: "admin", passwordHash: await hashPassword(password), platformAdmin: true }),
        db.insert(memberships).values({ userId, tenantId, role: "owner" }),
      ]);
    } else {
      await db.batch(statements);
    }
    return true;
  } catch (error) {
    // Another isolate on the same empty database made the platform first: nothing of ours landed.
    if (isUniqueViolation(error)) return false;
    throw error;
  }
}
