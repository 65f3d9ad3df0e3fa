// A live view opened through this host of a run on another host: the dispatcher, having checked
// the tenant, names the host and its peer address, and this host asks that host's peer listener
// (signed, host/peer-auth.ts) for the lines from `after` on. A host that does not answer in time
// is taken as gone for this poll: the view goes on with the record, which its end closes.
import { Agent, request } from "node:http";
import type { LivePeer } from "../protocol/live-peers.ts";
import type { LiveState } from "../protocol/run.ts";
import type { HostLog } from "./log.ts";
import { signPeerRequest } from "./peer-auth.ts";

const timeoutMs = 2_000;
// 1,000 lines of 8 KB at most, as JSON: well under this.
const maxAnswerBytes = 16 * 1024 * 1024;
const nothingLive: LiveState = { running: false, logs: [], progress: null };

const agent = new Agent({ keepAlive: true, maxSockets: 32 });

export type LiveRelay = (peer: LivePeer, executionId: string, after: number) => Promise<LiveState>;

export function liveRelay(key: Buffer, log: HostLog): LiveRelay {
  return async (peer, executionId, after) => {
    try {
      return await ask(key, peer, executionId, after);
    } catch (error) {
      log.debug("peer.live_unavailable", { hostId: peer.hostId, address: peer.address, executionId, error: (error as Error).message });
      return nothingLive;
    }
  };
}

function ask(key: Buffer, peer: LivePeer, executionId: string, after: number): Promise<LiveState> {
  const target = URL.parse(`http://${peer.address}/`);
  if (!target?.port) return Promise.reject(new Error(`not a host:port address: ${peer.address}`));
  const path = `/live?execution=${encodeURIComponent(executionId)}&after=${after}`;
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname.replace(/^\[(.*)\]$/, "$1"),
        port: Number(target.port),
        method: "GET",
        path,
        agent,
        timeout: timeoutMs,
        headers: signPeerRequest(key, peer.hostId, path),
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
          if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}`));
          try {
            resolve(liveState(JSON.parse(Buffer.concat(chunks).toString("utf8"))));
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
