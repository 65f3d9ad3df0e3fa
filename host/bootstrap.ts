// First start of an empty database: the platform tenant and its first admin token. And every
// start: executions a dead host left running are closed as interrupted.
import type { Client } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { and, count, eq, isNull, or } from "drizzle-orm";
import { apiTokens, executions, memberships, tenants, users } from "../db/schema.ts";
import { hashPassword } from "../dispatcher/domain/passwords.ts";
import { seedDemoData } from "./demo-data.ts";
import { newId, newTokenSecret, sha256Hex } from "../dispatcher/domain/secrets.ts";

export interface BootstrapResult {
  /** Set only on the first start, when the token was generated here and must be shown once. */
  generatedToken?: string;
  /** Likewise for the `admin` user's password. */
  generatedPassword?: string;
  createdPlatform: boolean;
  interrupted: number;
}

export async function bootstrap(
  client: Client,
  hostId: string,
  bootstrapToken: string | undefined,
  bootstrapPassword: string | undefined,
): Promise<BootstrapResult> {
  const db = drizzle(client);
  const result: BootstrapResult = { createdPlatform: false, interrupted: 0 };

  const [{ n }] = (await db.select({ n: count() }).from(tenants)) as [{ n: number }];
  if (n === 0) {
    const token = bootstrapToken ?? newTokenSecret();
    const password = bootstrapPassword ?? newTokenSecret().slice(5, 25);
    const tenantId = newId("ten");
    const userId = newId("usr");
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
    ]);
    await seedDemoData(client, tenantId);
    result.createdPlatform = true;
    if (!bootstrapToken) result.generatedToken = token;
    if (!bootstrapPassword) result.generatedPassword = password;
  }

  const now = new Date().toISOString();
  const closed = await db
    .update(executions)
    .set({ status: "interrupted", errorCode: "HOST_RESTARTED", errorMessage: "the platform restarted while this execution was in progress", finishedAt: now })
    // Queued executions are durable: they wait in the database and start once runners are up.
    // Only this host's own runs: another host on the same database is still running its own
    // (and if it died, the tick closes them once they are past their deadline).
    .where(and(eq(executions.status, "running"), or(eq(executions.hostId, hostId), isNull(executions.hostId))))
    .returning({ id: executions.id });
  result.interrupted = closed.length;
  return result;
}
