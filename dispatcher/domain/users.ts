// People who sign in to the admin: users with passwords, members of one or more tenants with a
// role in each, and their sessions.
import { and, asc, eq, gt } from "drizzle-orm";
import type { Database } from "../../db/open-remote.ts";
import { memberships, sessions, tenants, users } from "../../db/schema.ts";
import type * as z from "zod";
import { AppError, invalid, notFound } from "../../protocol/errors.ts";
import type { Role } from "../../protocol/roles.ts";
import type { addUserRequest, signInRequest, tenantChoice } from "../../protocol/schemas/access.ts";
import { isUniqueViolation } from "./db-errors.ts";
import type { DeviceCookies, IssuedDeviceCookie } from "./device-cookies.ts";
import { joinCodeHours, joinCodeVerifies, makeJoinCode, readJoinCode } from "./join-codes.ts";
import { decoyHash, hashPassword, verifyPassword, weakPasswordReason } from "./passwords.ts";
import { requirePermission, type Principal } from "./principal.ts";
import { newId, newTokenSecret, sha256Hex } from "./secrets.ts";
import { FailureCounts, signInKeys } from "./sign-in-throttle.ts";

const sessionHours = 12;

// Retention sweeps failure counts by this window and has always found it here.
export { signInFailureWindowMs } from "./sign-in-throttle.ts";

export interface Membership {
  slug: string;
  name: string;
  role: Role;
}

export interface SignedIn {
  cookie: string;
  principal: Principal;
  csrfToken: string;
  /** For the browser to keep, when device cookies are on (see device-cookies.ts). */
  device?: IssuedDeviceCookie;
}

/** Who is signing in, as far as the request shows it. */
export interface SignInClient {
  /** The client's address, only when a trusted proxy names it. */
  address?: string;
  /** Values of the device cookies the client sent, unchecked. */
  deviceCookies: readonly string[];
}

export class UserService {
  readonly #db: Database;
  readonly #failures: FailureCounts;

  readonly #devices: DeviceCookies | undefined;

  /** `devices` is absent without a SECRETS_KEY: then every client is counted per username. */
  constructor(db: Database, devices?: DeviceCookies) {
    this.#db = db;
    this.#failures = new FailureCounts(db);
    this.#devices = devices;
  }

  async memberships(userId: string): Promise<Membership[]> {
    return (
      this.#db
        .select({ slug: tenants.slug, name: tenants.name, role: memberships.role })
        .from(memberships)
        .innerJoin(tenants, eq(tenants.id, memberships.tenantId))
        .where(eq(memberships.userId, userId))
        // The first is where a sign-in without a tenant lands: the user's oldest membership.
        .orderBy(asc(memberships.createdAt), asc(tenants.slug))
    );
  }

  /**
   * Signs in; refuses for a while after repeated failures, counted where a stranger cannot spend
   * them for the real user (see sign-in-throttle.ts).
   */
  async signIn(body: z.output<typeof signInRequest>, client: SignInClient): Promise<SignedIn> {
    const devices = this.#devices;
    const { username, password, tenant: tenantSlug } = body;
    const device = await devices?.recognise(client.deviceCookies, username);
    const keys = signInKeys({ username, device, address: client.address });
    await this.#failures.attempt(keys, "too many failed sign-ins");

    const [user] = await this.#db.select().from(users).where(eq(users.username, username));
    // Unknown and disabled users cost the same PBKDF2 as the rest: the time the answer takes
    // must not tell which usernames exist.
    const matches = await verifyPassword(password, user?.passwordHash ?? decoyHash);
    if (!matches || !user || user.disabledAt) throw new AppError("UNAUTHENTICATED", "wrong username or password");
    await this.#failures.succeeded(keys);
    const member = await this.memberships(user.id);
    const chosen = tenantSlug ? member.find((m) => m.slug === tenantSlug) : member[0];
    if (!chosen) {
      if (tenantSlug) throw invalid("tenant", `you are not a member of tenant "${tenantSlug}"`);
      throw new AppError("FORBIDDEN", "this user is not a member of any tenant");
    }
    const session = await this.#openSession(user.id, chosen.slug);
    return devices ? { ...session, device: await devices.issue(user.username) } : session;
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
  async switchTenant(cookie: string, principal: Principal, body: z.output<typeof tenantChoice>): Promise<SignedIn> {
    const slug = body.tenant;
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
   * Adds a member to the caller's tenant: a new user with a password, or someone who already has
   * an account, by the join code they made for this tenant.
   *
   * Usernames are global, so what this answers must not be a way to look people up. It used to
   * take any existing username without a password, which told a tenant (by 201, 403 or 422)
   * whether an account existed, whether it was a platform admin's, and added that person without
   * asking them. Now only the person can bring an existing account in (a join code, see
   * join-codes.ts); without one, every username is answered alike: "a new user needs a
   * password". Creating a user must still say when the name is taken: the one fact a tenant
   * needs, and it gets the same 409 whoever holds the name; each such answer counts against the
   * tenant (10 per 15 minutes, then one a minute), so it cannot be used to sweep a list of names.
   * Platform admins see every user anyway and may still add one by username.
   */
  async add(principal: Principal, body: z.output<typeof addUserRequest>) {
    requirePermission(principal, "users.manage");
    const { role, joinCode, password } = body;
    // The schema holds a join code apart from a username and password, and requires one of the two.
    if (joinCode !== undefined) return this.#addMember(principal, await this.#redeem(joinCode, principal.tenant.slug), role);
    const username = body.username!;
    if (password === undefined) {
      const [user] = principal.platformAdmin ? await this.#db.select().from(users).where(eq(users.username, username)) : [];
      if (user) return this.#addMember(principal, user, role);
      throw invalid(
        "password",
        "a new user needs a password; to add someone who already has an account, ask them for a join code for this tenant (POST /admin/api/me/join-code) and send {joinCode, role}",
      );
    }
    const weak = weakPasswordReason(password);
    if (weak) throw invalid("password", weak);
    const probe = `taken:${principal.tenant.id}`;
    if (!principal.platformAdmin) await this.#failures.refuseIfLocked([probe], "too many usernames that were taken");
    const id = newId("usr");
    try {
      await this.#db.insert(users).values({ id, username, passwordHash: await hashPassword(password) });
    } catch (e) {
      if (!isUniqueViolation(e)) throw e;
      if (!principal.platformAdmin) await this.#failures.count(probe);
      throw new AppError("CONFLICT", "this username is taken; choose another", { field: "username" });
    }
    return this.#addMember(principal, { id, username }, role);
  }

  /** A join code for a tenant the signed-in user wants to join; its owner adds them with it. */
  async joinCode(principal: Principal, body: z.output<typeof tenantChoice>): Promise<{ joinCode: string; tenant: string; expiresAt: string }> {
    const tenant = body.tenant;
    if (!principal.userId) throw new AppError("BAD_REQUEST", "only a signed-in user can make a join code: an API token belongs to a tenant, not a person");
    const [user] = await this.#db.select().from(users).where(eq(users.id, principal.userId));
    if (!user) throw notFound("user");
    const expiresAt = Date.now() + joinCodeHours * 3600_000;
    const joinCode = await makeJoinCode({ userId: user.id, tenant, expiresAt }, user.passwordHash);
    return { joinCode, tenant, expiresAt: new Date(expiresAt).toISOString() };
  }

  async #redeem(code: string, tenantSlug: string): Promise<{ id: string; username: string }> {
    const refused = invalid(
      "joinCode",
      `this join code is not valid here: it may be mistyped, older than ${joinCodeHours} hours, made for another tenant, or its maker has since changed their password; ask them for a new one`,
    );
    const claim = readJoinCode(code);
    if (!claim || claim.tenant !== tenantSlug || claim.expiresAt < Date.now()) throw refused;
    const [user] = await this.#db.select().from(users).where(eq(users.id, claim.userId));
    if (!user || user.disabledAt || !(await joinCodeVerifies(claim, user.passwordHash))) throw refused;
    return user;
  }

  async #addMember(principal: Principal, user: { id: string; username: string }, role: Role) {
    try {
      await this.#db.insert(memberships).values({ userId: user.id, tenantId: principal.tenant.id, role });
    } catch (e) {
      if (isUniqueViolation(e)) throw new AppError("CONFLICT", `${user.username} is already a member of this tenant`, { field: "username" });
      throw e;
    }
    return { id: user.id, username: user.username, role };
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
}
