// What crosses from the dispatcher to its host when a live view follows, or a cancel stops, a run
// on another host sharing the database: which host runs it, and where that host's peer listener
// answers.
//   POST (host) /live    { executionId, after, peer?: LivePeer } -> LiveState
//   POST (host) /cancel  { executionId, by, peer?: LivePeer }    -> CancelAnswer
// The host asks the peer itself (host/peer-relay.ts), signed with a key both derive from the
// shared secrets key; the dispatcher only says where to ask, after its own tenant check.

export interface LivePeer {
  /** The other host's HOST_ID, as executions.host_id names it. */
  hostId: string;
  /** host:port of its peer listener. */
  address: string;
}

/**
 * What became of a request to stop a running execution. `cancelled`: a runner has it and will
 * end it as cancelled. Otherwise no runner that was asked has it, or (`unreachable`) the other
 * host recorded as running it did not answer (the asking host logs why). A host gone quiet is
 * not asked at all: the dispatcher finds that in the hosts table first.
 */
export interface CancelAnswer {
  cancelled: boolean;
  unreachable?: true;
}

/** How long a host's last word counts: it says it is up every `announceMs`; three missed, it is gone. */
export const peerAnnounceMs = 30_000;
export const peerGoneAfterMs = 3 * peerAnnounceMs;
/** A host not heard from for this long has its row dropped when another host announces itself. */
export const peerForgottenAfterMs = 24 * 60 * 60_000;
