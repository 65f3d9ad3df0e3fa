// People who sign in to the admin: users with passwords, members of one or more tenants with a
// role in each, and their sessions.
import { and, asc, eq, gt, sql } from "drizzle-orm";
import type { Database } from "../../db/open-remote.ts";
import { memberships, sessions, signInFailures, tenants, users } from "../../db/schema.ts";
import { AppError, invalid, notFound } from "../../protocol/errors.ts";
import { isRole, roles, type Role } from "../../protocol/roles.ts";
import { isUniqueViolation } from "./db-errors.ts";
import { hashPassword, verifyPassword, weakPasswordReason } from "./passwords.ts";
import { requirePermission, type Principal } from "./principal.ts";
import { newId, newTokenSecret, sha256Hex } from "./secrets.ts";
import { onlyKnown, optionalString, requiredString, type Body } from "./validate.ts";

const sessionHours = 12;
// Five wrong passwords lock a username for a minute; a client (one address) gets more rope,
// since an office behind one address has many people in it.
const maxFailures = { user: 5, client: 30 } as const;
const failureWindowMs = 15 * 60_000;
const lockMs = 60_000;

export interface Membership {
  slug: string;
  name: string;
  role: Role;
}

export interface SignedIn {
  cookie: string;
  principal: Principal;
  csrfToken: string;
}

export class UserService {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async memberships(userId: string): Promise<Membership[]> {
    return this.#db
      .select({ slug: tenants.slug, name: tenants.name, role: memberships.role })
      .from(memberships)
      .innerJoin(tenants, eq(tenants.id, memberships.tenantId))
      .where(eq(memberships.userId, userId))
      // The first is where a sign-in without a tenant lands: the user's oldest membership.
      .orderBy(asc(memberships.createdAt), asc(tenants.slug));
  }

  /** Signs in; refuses for a while after repeated failures for the same user or client. */
  async signIn(body: Body, client: string): Promise<SignedIn> {
    onlyKnown(body, ["username", "password", "tenant"]);
    const username = requiredString(body, "username", { max: 100 });
    const password = requiredString(body, "password", { max: 200 });
    const tenantSlug = optionalString(body, "tenant", { min: 1, max: 63 });
    const keys = [`user:${username.toLowerCase()}`, `client:${client}`];
    await this.#checkNotLocked(keys);

    const [user] = await this.#db.select().from(users).where(eq(users.username, username));
    const ok = user && !user.disabledAt && (await verifyPassword(password, user.passwordHash));
    if (!ok || !user) {
      await this.#recordFailure(keys);
      throw new AppError("UNAUTHENTICATED", "wrong username or password");
    }
    await this.#db.delete(signInFailures).where(sql`${signInFailures.key} IN (${sql.join(keys.map((k) => sql`${k}`), sql`, `)})`);
    const member = await this.memberships(user.id);
    const chosen = tenantSlug ? member.find((m) => m.slug === tenantSlug) : member[0];
    if (!chosen) {
      if (tenantSlug) throw invalid("tenant", `you are not a member of tenant "${tenantSlug}"`);
      throw new AppError("FORBIDDEN", "this user is not a member of any tenant");
    }
    return this.#openSession(user.id, chosen.slug);
  }

  async #openSession(userId: string, tenantSlug: string): Promise<SignedIn> {
    const cookie = newTokenSecret();
    const csrfToken = newTokenSecret();
    const [tenant] = await this.#db.select().from(tenants).where(eq(tenants.slug, tenantSlug));
    if (!tenant) throw notFound("tenant");
    await this.#db.insert(sessions).values({
      idHash: await sha256Hex(cookie),
      userId,
      tenantId: tenant.id,
      csrfToken,
      expiresAt: new Date(Date.now() + sessionHours * 3600_000).toISOString(),
    });
    const principal = await this.authenticateSession(cookie);
    return { cookie, principal: principal!.principal, csrfToken };
  }

  async authenticateSession(cookie: string): Promise<{ principal: Principal; csrfToken: string } | undefined> {
    const [row] = await this.#db
      .select({ session: sessions, user: users, tenant: tenants, role: memberships.role })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .innerJoin(tenants, eq(tenants.id, sessions.tenantId))
      .innerJoin(memberships, and(eq(memberships.userId, sessions.userId), eq(memberships.tenantId, sessions.tenantId)))
      .where(and(eq(sessions.idHash, await sha256Hex(cookie)), gt(sessions.expiresAt, new Date().toISOString())));
    if (!row || row.user.disabledAt) return undefined;
    return {
      principal: {
        tokenId: row.user.id,
        name: row.user.username,
        tenant: { id: row.tenant.id, slug: row.tenant.slug },
        role: row.role,
        platformAdmin: row.user.platformAdmin,
        userId: row.user.id,
      },
      csrfToken: row.session.csrfToken,
    };
  }

  async signOut(cookie: string): Promise<void> {
    await this.#db.delete(sessions).where(eq(sessions.idHash, await sha256Hex(cookie)));
  }

  /** Moves a session to another tenant the user belongs to. */
  async switchTenant(cookie: string, principal: Principal, body: Body): Promise<SignedIn> {
    onlyKnown(body, ["tenant"]);
    const slug = requiredString(body, "tenant", { max: 63 });
    if (!principal.userId) throw new AppError("BAD_REQUEST", "only a signed-in user has a session to switch");
    const member = await this.memberships(principal.userId);
    if (!member.some((m) => m.slug === slug)) throw invalid("tenant", `you are not a member of tenant "${slug}"`);
    await this.signOut(cookie);
    return this.#openSession(principal.userId, slug);
  }

  async list(principal: Principal) {
    requirePermission(principal, "users.manage");
    return this.#db
      .select({ id: users.id, username: users.username, role: memberships.role, createdAt: memberships.createdAt })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(eq(memberships.tenantId, principal.tenant.id))
      .orderBy(asc(users.username));
  }

  /**
   * Adds a member to the caller's tenant: a new user with a password, or an existing user (by
   * username, no password) who then belongs to several tenants.
   */
  async add(principal: Principal, body: Body) {
    requirePermission(principal, "users.manage");
    onlyKnown(body, ["username", "password", "role"]);
    const username = requiredString(body, "username", { max: 100, pattern: /^[A-Za-z0-9][A-Za-z0-9_.@-]*$/, patternHint: 'must use letters, digits, "_", ".", "@" and "-"' });
    const role = body.role;
    if (!isRole(role)) throw invalid("role", `role is required: one of ${roles.join(", ")}`);
    const password = optionalString(body, "password", { max: 200 });
    let [user] = await this.#db.select().from(users).where(eq(users.username, username));
    if (!user) {
      if (password === undefined) throw invalid("password", "password is required for a new user");
      const weak = weakPasswordReason(password);
      if (weak) throw invalid("password", weak);
      const id = newId("usr");
      await this.#db.insert(users).values({ id, username, passwordHash: await hashPassword(password) });
      [user] = await this.#db.select().from(users).where(eq(users.id, id));
    } else if (user.platformAdmin && !principal.platformAdmin) {
      // A tenant cannot pull the platform's administrators into itself; only they may join one.
      throw new AppError("FORBIDDEN", `${username} cannot be added to a tenant`, { field: "username" });
    } else if (password !== undefined) {
      throw invalid("password", "this user exists already; add them without a password (they keep their own)");
    }
    try {
      await this.#db.insert(memberships).values({ userId: user!.id, tenantId: principal.tenant.id, role });
    } catch (e) {
      if (isUniqueViolation(e)) throw new AppError("CONFLICT", `${username} is already a member of this tenant`, { field: "username" });
      throw e;
    }
    return { id: user!.id, username, role };
  }

  async remove(principal: Principal, userId: string): Promise<void> {
    requirePermission(principal, "users.manage");
    if (userId === principal.userId) throw new AppError("CONFLICT", "you cannot remove yourself from the tenant");
    const removed = await this.#db
      .delete(memberships)
      .where(and(eq(memberships.userId, userId), eq(memberships.tenantId, principal.tenant.id)))
      .returning({ userId: memberships.userId });
    if (removed.length === 0) throw notFound("user");
    await this.#db.delete(sessions).where(and(eq(sessions.userId, userId), eq(sessions.tenantId, principal.tenant.id)));
  }

  async #checkNotLocked(keys: string[]): Promise<void> {
    const now = new Date().toISOString();
    const rows = await this.#db.select().from(signInFailures).where(sql`${signInFailures.key} IN (${sql.join(keys.map((k) => sql`${k}`), sql`, `)})`);
    const locked = rows.map((r) => r.lockedUntil).filter((t): t is string => t !== null && t > now).sort().pop();
    if (locked) {
      const seconds = Math.max(1, Math.ceil((Date.parse(locked) - Date.now()) / 1000));
      throw new AppError("RATE_LIMITED", `too many failed sign-ins; try again in ${seconds} s`, { details: { retryAfterSeconds: seconds } });
    }
  }

  async #recordFailure(keys: string[]): Promise<void> {
    const now = Date.now();
    const windowFloor = new Date(now - failureWindowMs).toISOString();
    const lockUntil = new Date(now + lockMs).toISOString();
    for (const key of keys) {
      // One statement: a new window when the old one expired, else one more failure; the lock
      // is set by the failure that reaches the limit.
      await this.#db.run(sql`
        INSERT INTO sign_in_failures (key, failures, window_start, locked_until) VALUES (${key}, 1, ${new Date(now).toISOString()}, NULL)
        ON CONFLICT (key) DO UPDATE SET
          failures = CASE WHEN window_start < ${windowFloor} THEN 1 ELSE failures + 1 END,
          window_start = CASE WHEN window_start < ${windowFloor} THEN excluded.window_start ELSE window_start END,
          locked_until = CASE WHEN window_start >= ${windowFloor} AND failures + 1 >= ${key.startsWith("user:") ? maxFailures.user : maxFailures.client} THEN ${lockUntil} ELSE locked_until END`);
    }
  }
}
