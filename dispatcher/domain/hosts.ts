// The hosts sharing this database and where each one's peer listener answers the others, so a
// live view opened through one host can follow a run on another. Each host says it is up when
// it starts and every 30 s; one silent for longer than peerGoneAfterMs is taken as gone, and a
// live view of its runs shows the record instead.
import { eq } from "drizzle-orm";
import type { Database } from "../../db/open-remote.ts";
import { hosts } from "../../db/schema.ts";
import { AppError } from "../../protocol/errors.ts";
import { peerGoneAfterMs, type LivePeer } from "../../protocol/live-peers.ts";

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
  await db.insert(hosts).values({ id: hostId, peerAddress, seenAt }).onConflictDoUpdate({ target: hosts.id, set: { peerAddress, seenAt } });
}

/** Where to ask a host for a run's live state; undefined when it is unknown or gone quiet. */
export async function livePeer(db: Database, hostId: string, now = Date.now()): Promise<LivePeer | undefined> {
  const [row] = await db.select().from(hosts).where(eq(hosts.id, hostId));
  if (!row || now - Date.parse(row.seenAt) > peerGoneAfterMs) return undefined;
  return { hostId, address: row.peerAddress };
}
