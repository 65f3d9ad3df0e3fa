// What a host asks of the domain when it starts (POST /internal/bootstrap): on the first start of
// an empty database, the platform tenant, its first admin token, the `admin` user and the demo
// data, in one transaction; on every start, the runs this host's previous life left running are
// closed as interrupted. The host only prints what this answers: it writes no domain table.
import { and, count, eq, isNull, lt, or } from "drizzle-orm";
import type { Database } from "../../db/open-remote.ts";
import { apiTokens, executions, memberships, tenants, users } from "../../db/schema.ts";
import { invalid } from "../../protocol/errors.ts";
import type { BootstrapRequest, BootstrapResult } from "../../protocol/host-domain.ts";
import { isUniqueViolation } from "./db-errors.ts";
import { demoData } from "./demo-data.ts";
import { hashPassword } from "./passwords.ts";
import { newId, newTokenSecret, sha256Hex } from "./secrets.ts";

/** Checks the host's request; a bad one is refused naming the field. */
export function bootstrapRequest(body: unknown): BootstrapRequest {
  const b = (body ?? {}) as Record<string, unknown>;
  const optional = (name: "token" | "password"): string | undefined => {
    const v = b[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "string" || v.length === 0 || v.length > 1024) throw invalid(name, `${name} must be a string of 1 to 1024 characters`);
    return v;
  };
  const startedAt = b.startedAt;
  if (typeof startedAt !== "string" || Number.isNaN(Date.parse(startedAt))) throw invalid("startedAt", "startedAt must be an ISO time");
  return { token: optional("token"), password: optional("password"), startedAt: new Date(startedAt).toISOString() };
}

/** `hostId`: whose runs to close (the host's HOST_ID); none on Cloudflare, where no host restarts. */
export async function bootstrap(db: Database, hostId: string | null, request: BootstrapRequest): Promise<BootstrapResult> {
  const result: BootstrapResult = { createdPlatform: false, interrupted: 0 };

  const [{ n }] = (await db.select({ n: count() }).from(tenants)) as [{ n: number }];
  if (n === 0) {
    const token = request.token ?? newTokenSecret();
    const password = request.password ?? newTokenSecret().slice(5, 25);
    const tenantId = newId("ten");
    const userId = newId("usr");
    try {
      await db.batch([
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
        db.insert(users).values({ id: userId, username: "admin", passwordHash: await hashPassword(password), platformAdmin: true }),
        db.insert(memberships).values({ userId, tenantId, role: "owner" }),
        ...demoData(db, tenantId),
      ]);
      result.createdPlatform = true;
      if (!request.token) result.generatedToken = token;
      if (!request.password) result.generatedPassword = password;
    } catch (error) {
      // Another host on the same empty database made the platform first: nothing of ours landed.
      if (!isUniqueViolation(error)) throw error;
    }
  }

  if (hostId !== null) {
    const closed = await db
      .update(executions)
      .set({
        status: "interrupted",
        errorCode: "HOST_RESTARTED",
        errorMessage: "the platform restarted while this execution was in progress",
        finishedAt: new Date().toISOString(),
      })
      // Queued executions are durable: they wait in the database and start once runners are up.
      // Only this host's own runs: another host on the same database is still running its own
      // (and if it died, the tick closes them once they are past their deadline).
      .where(
        and(
          eq(executions.status, "running"),
          or(eq(executions.hostId, hostId), isNull(executions.hostId)),
          or(isNull(executions.startedAt), lt(executions.startedAt, request.startedAt)),
        ),
      )
      .returning({ id: executions.id });
    result.interrupted = closed.length;
  }
  return result;
}
