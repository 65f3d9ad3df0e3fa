// What crosses from the dispatcher to its host when a live view follows a run on another host
// sharing the database: which host runs it, and where that host's peer listener answers.
//   POST (host) /live  { executionId, after, peer?: LivePeer } -> LiveState
// The host asks the peer itself (host/live-relay.ts), signed with a key both derive from the
// shared secrets key; the dispatcher only says where to ask, after its own tenant check.

export interface LivePeer {
  /** The other host's HOST_ID, as executions.host_id names it. */
  hostId: string;
  /** host:port of its peer listener. */
  address: string;
}

/** How long a host's last word counts: it says it is up every `announceMs`; three missed, it is gone. */
export const peerAnnounceMs = 30_000;
export const peerGoneAfterMs = 3 * peerAnnounceMs;
