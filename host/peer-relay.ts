// A live view or a cancel opened through this host of a run on another host: the dispatcher,
// having checked the tenant, names the host and its peer address, and this host asks that host's
// peer listener (signed, host/peer-auth.ts). For a live view, the lines from `after` on; a host
// that does not answer in time is taken as gone for this poll, and the view goes on with the
// record, which its end closes. For a cancel, that host stops the run as a cancel made there
// would; a host that does not answer is reported as unreachable, for the dispatcher to say so.
import { Agent, request } from "node:http";
import type { CancelAnswer, LivePeer } from "../protocol/live-peers.ts";
import type { LiveState } from "../protocol/run.ts";
import type { HostLog } from "./log.ts";
import { signPeerRequest } from "./peer-auth.ts";

const timeoutMs = 2_000;
// 1,000 lines of 8 KB at most, as JSON: well under this.
const maxAnswerBytes = 16 * 1024 * 1024;
const nothingLive: LiveState = { running: false, logs: [], progress: null };

const agent = new Agent({ keepAlive: true, maxSockets: 32 });

export interface PeerRelay {
  live(peer: LivePeer, executionId: string, after: number): Promise<LiveState>;
  /** Asks `peer` to stop its run `executionId` for `by`; never throws. */
  cancel(peer: LivePeer, executionId: string, by: string): Promise<CancelAnswer>;
}

export function peerRelay(key: Buffer, log: HostLog): PeerRelay {
  return {
    async live(peer, executionId, after) {
      try {
        return liveState(await ask(key, peer, "GET", `/live?execution=${encodeURIComponent(executionId)}&after=${after}`));
      } catch (error) {
        log.debug("peer.live_unavailable", { hostId: peer.hostId, address: peer.address, executionId, error: (error as Error).message });
        return nothingLive;
      }
    },
    async cancel(peer, executionId, by) {
      try {
        const answer = await ask(key, peer, "POST", `/cancel?execution=${encodeURIComponent(executionId)}&by=${encodeURIComponent(by)}`);
        const cancelled = (answer as { cancelled?: unknown } | null)?.cancelled;
        if (typeof cancelled !== "boolean") throw new Error("not a cancel answer");
        return { cancelled };
      } catch (error) {
        log.warn("peer.cancel_unavailable", { hostId: peer.hostId, address: peer.address, executionId, error: (error as Error).message });
        return { cancelled: false, unreachable: true };
      }
    },
  };
}

function ask(key: Buffer, peer: LivePeer, method: "GET" | "POST", path: string): Promise<unknown> {
  const target = URL.parse(`http://${peer.address}/`);
  if (!target?.port) return Promise.reject(new Error(`not a host:port address: ${peer.address}`));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname.replace(/^\[(.*)\]$/, "$1"),
        port: Number(target.port),
        method,
        path,
        agent,
        timeout: timeoutMs,
        headers: { ...signPeerRequest(key, peer.hostId, path), ...(method === "POST" ? { "content-length": "0" } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let bytes = 0;
        res.on("data", (c: Buffer) => {
          bytes += c.length;
          if (bytes > maxAnswerBytes) req.destroy(new Error("answer too large"));
          else chunks.push(c);
        });
        res.on("error", reject);
        res.on("end", () => {
          // 401: the two hosts do not share one IOTA_SECRETS_KEY (or their clocks disagree).
          if (res.statusCode !== 200) return reject(new Error(`it answered HTTP ${res.statusCode}`));
          try {
            resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
          } catch (error) {
            reject(error as Error);
          }
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on("error", reject);
    req.end();
  });
}

/** Only the shape a live view sends on: another host's answer is checked, not trusted blindly. */
function liveState(value: unknown): LiveState {
  const v = value as Partial<LiveState> | null;
  if (typeof v?.running !== "boolean" || !Array.isArray(v.logs)) throw new Error("not a live state");
  const progress = v.progress && typeof v.progress.percent === "number" && typeof v.progress.message === "string" ? v.progress : null;
  return { running: v.running, logs: v.logs, progress };
}
