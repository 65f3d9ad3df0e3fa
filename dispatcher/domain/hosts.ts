// The hosts sharing this database and where each one's peer listener answers the others, so a
// live view or a cancel through one host can reach a run on another. Each host says it is up
// when it starts and every 30 s; one silent for longer than peerGoneAfterMs is taken as gone (a
// live view of its runs shows the record instead, a cancel says it cannot reach it).
//
// A host's id is its hostname and public port, so a host restarted on the same machine keeps its
// row; one whose hostname changes with every start (a container's) leaves a row behind each time.
// Rows not refreshed for peerForgottenAfterMs are dropped whenever a host announces itself, so
// the table holds the hosts of about the last day, not every name a host ever had.
import { and, eq, lt, ne } from "drizzle-orm";
import type { SqliteRemoteDatabase } from "drizzle-orm/sqlite-proxy";
import type * as schema from "../../db/schema.ts";
import { hosts } from "../../db/schema.ts";
import { AppError } from "../../protocol/errors.ts";
import { peerForgottenAfterMs, peerGoneAfterMs, type LivePeer } from "../../protocol/live-peers.ts";

/** The dispatcher's Database, as far as these queries need it: Node's tests open it with the libSQL driver. */
type Database = SqliteRemoteDatabase<typeof schema>;

export function hostAnnouncement(body: unknown): { hostId: string; peerAddress: string } {
  const { hostId, peerAddress } = (body ?? {}) as { hostId?: unknown; peerAddress?: unknown };
  if (typeof hostId !== "string" || hostId === "" || hostId.length > 300)
    throw new AppError("BAD_REQUEST", "hostId must be a non-empty string", { field: "hostId" });
  if (typeof peerAddress !== "string" || !/^[^\s/]+:\d{1,5}$/.test(peerAddress))
    throw new AppError("BAD_REQUEST", "peerAddress must be host:port", { field: "peerAddress" });
  return { hostId, peerAddress };
}

export async function announceHost(db: Database, hostId: string, peerAddress: string, now = new Date()): Promise<void> {
  const seenAt = now.toISOString();
  const forgottenBefore = new Date(now.getTime() - peerForgottenAfterMs).toISOString();
  await db.batch([
    db.insert(hosts).values({ id: hostId, peerAddress, seenAt }).onConflictDoUpdate({ target: hosts.id, set: { peerAddress, seenAt } }),
    // Runs still recorded on a forgotten host read as on a gone one, which they were already.
    db.delete(hosts).where(and(lt(hosts.seenAt, forgottenBefore), ne(hosts.id, hostId))),
  ]);
}

/** Where to ask a host for a run's live state; undefined when it is unknown or gone quiet. */
export async function livePeer(db: Database, hostId: string, now = Date.now()): Promise<LivePeer | undefined> {
  const [row] = await db.select().from(hosts).where(eq(hosts.id, hostId));
  if (!row || now - Date.parse(row.seenAt) > peerGoneAfterMs) return undefined;
  return { hostId, address: row.peerAddress };
}
