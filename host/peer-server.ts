// The host's listener for the other hosts on its database: a live view opened through another
// host asks here for the log lines and progress of a run this host's runners are running, and a
// cancel made through another host asks here to stop one, as a cancel made here would (its
// signal aborts, its cleanup grace, the record written by this host's dispatcher, which awaits
// it). Only signed requests are answered (host/peer-auth.ts); the tenant check was made by the
// asking host's dispatcher, against the shared database, before it asked. It serves nothing
// else: the database side door (host/internal-server.ts) stays on loopback.
import { createServer, type Server } from "node:http";
import type { LiveState } from "../protocol/run.ts";
import type { HostLog } from "./log.ts";
import { verifyPeerRequest } from "./peer-auth.ts";

export interface PeerServerDeps {
  /** Where to listen: BIND_ADDRESS and IOTA_PEER_PORT (0: any free port). */
  bind: string;
  port: number;
  key: Buffer;
  hostId: string;
  live(executionId: string, after: number): LiveState;
  /** Stops a run of this host's runners for `by`: true when one has it. */
  cancel(executionId: string, by: string): boolean;
  log: HostLog;
}

const maxAfter = 1_000_000;
/** Who cancelled, as the record names them ("<name> (<id>)"): no longer than a name and an id. */
const maxBy = 500;

type PeerRoute = (executionId: string, query: URLSearchParams) => [status: number, body: unknown];

export function startPeerServer(deps: PeerServerDeps): Promise<{ server: Server; port: number }> {
  const routes: Record<string, PeerRoute> = {
    "GET /live": (executionId, query) => {
      const after = Number(query.get("after"));
      if (!Number.isInteger(after) || after < 0 || after > maxAfter)
        return [400, { error: { code: "BAD_REQUEST", message: `after must be a whole number from 0 to ${maxAfter}`, field: "after" } }];
      return [200, deps.live(executionId, after)];
    },
    "POST /cancel": (executionId, query) => {
      const by = query.get("by") ?? "";
      if (by === "" || by.length > maxBy) return [400, { error: { code: "BAD_REQUEST", message: "by is required", field: "by" } }];
      const cancelled = deps.cancel(executionId, by);
      deps.log.info("peer.cancel", { executionId, by, cancelled });
      return [200, { cancelled }];
    },
  };
  const server = createServer((req, res) => {
    const answer = (status: number, body: unknown) => {
      const payload = JSON.stringify(body);
      res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(payload) });
      res.end(payload);
    };
    const path = req.url ?? "";
    const url = URL.parse(path, "http://peer");
    const route = url && routes[`${req.method} ${url.pathname}`];
    if (!url || !route) return answer(404, { error: { code: "NOT_FOUND", message: "no such peer route" } });
    if (!verifyPeerRequest(deps.key, deps.hostId, path, req.headers)) {
      deps.log.warn("peer.refused", { from: req.socket.remoteAddress });
      return answer(401, { error: { code: "UNAUTHENTICATED", message: "not signed by a host of this database" } });
    }
    const executionId = url.searchParams.get("execution") ?? "";
    if (executionId === "" || executionId.length > 200)
      return answer(400, { error: { code: "BAD_REQUEST", message: "execution is required", field: "execution" } });
    const [status, body] = route(executionId, url.searchParams);
    answer(status, body);
  });
  server.keepAliveTimeout = 60_000;
  // The asking side gives up after a moment; a connection that sends nothing is not held.
  server.requestTimeout = 10_000;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(deps.port, deps.bind, () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}
