// The name host/main.ts imports the peer relay by: it now carries cancels too (host/peer-relay.ts).
export { peerRelay as liveRelay, type PeerRelay as LiveRelay } from "./peer-relay.ts";
