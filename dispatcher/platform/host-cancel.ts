// A cancel through this host's supervisor, of a run here or on another host sharing the database.
// The run's host is what its record says (the dispatcher read it, tenant-scoped, before asking);
// where that host listens comes from the hosts table, and this host asks it (host/peer-relay.ts).
// One not heard from within peerGoneAfterMs is not asked: it is reported gone.
import { openDatabase, type Database, type DatabaseBindings } from "../../db/open-remote.ts";
import type { CancelAnswer } from "../../protocol/live-peers.ts";
import { livePeer } from "../domain/hosts.ts";

type HostCall = <T>(path: string, body: unknown) => Promise<T>;

// The runner gateway is built from the bindings alone: it reads the hosts table over a handle of
// its own, one per isolate, as the services do theirs.
const databases = new WeakMap<DatabaseBindings, Database>();
function databaseOf(env: DatabaseBindings): Database {
  let db = databases.get(env);
  if (!db) databases.set(env, (db = openDatabase(env)));
  return db;
}

/** `hostId`: the other host recorded as running it; absent for a run of this host's runners. */
export function cancelThroughHost(call: HostCall, env: DatabaseBindings) {
  return async (executionId: string, by: string, hostId?: string): Promise<CancelAnswer> => {
    if (hostId === undefined) return call<CancelAnswer>("/cancel", { executionId, by });
    const peer = await livePeer(databaseOf(env), hostId);
    if (!peer) return { cancelled: false, unreached: "gone" };
    return call<CancelAnswer>("/cancel", { executionId, by, peer });
  };
}
