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
const maxExecution = 200;
/** Refused requests are told at most once this often: a flood of them is one line, not one each. */
const refusalLogEveryMs = 10_000;
/**
 * The asking side gives up after 2 s (host/peer-relay.ts): a connection that has not sent its
 * request by this is closed, and an idle one is not kept longer (the relay's polls reuse it).
 */
const requestTimeoutMs = 5_000;
/** Each other host keeps at most 32 connections to this one (host/peer-relay.ts): room for eight. */
const maxConnections = 256;

/**
 * Counts refused requests and logs them as they come only when none was logged in the last
 * interval; the rest of the interval's are told in one line when it ends.
 */
function refusalLog(log: HostLog): { refused(from: string | undefined): void; close(): void } {
  let loggedAt = Number.NEGATIVE_INFINITY;
  let held = 0;
  let since = "";
  let lastFrom: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    if (held === 0) return;
    log.warn("peer.refused", { refused: held, since, lastFrom });
    loggedAt = Date.now();
    held = 0;
  };
  return {
    refused(from) {
      const now = Date.now();
      if (!timer && now - loggedAt >= refusalLogEveryMs) {
        log.warn("peer.refused", { refused: 1, since: new Date(now).toISOString(), lastFrom: from });
        loggedAt = now;
        return;
      }
      if (held === 0) since = new Date(now).toISOString();
      held++;
      lastFrom = from;
      timer ??= setTimeout(flush, Math.max(0, loggedAt + refusalLogEveryMs - now)).unref();
    },
    close() {
      clearTimeout(timer);
      flush();
    },
  };
}

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
      if (by === "") return [400, { error: { code: "BAD_REQUEST", message: "by is required", field: "by" } }];
      if (by.length > maxBy) return [400, { error: { code: "BAD_REQUEST", message: `by must be at most ${maxBy} characters, got ${by.length}`, field: "by" } }];
      const cancelled = deps.cancel(executionId, by);
      deps.log.info("peer.cancel", { executionId, by, cancelled });
      return [200, { cancelled }];
    },
  };
  const refusals = refusalLog(deps.log);
  const server = createServer(
    {
      headersTimeout: requestTimeoutMs,
      requestTimeout: requestTimeoutMs,
      keepAliveTimeout: requestTimeoutMs,
      // Node checks the two timeouts above only this often (30 s by default).
      connectionsCheckingInterval: 1_000,
    },
    (req, res) => {
      // A caller not known to be a host is not kept connected.
      const answer = (status: number, body: unknown, close = false) => {
        const payload = JSON.stringify(body);
        res.writeHead(status, {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(payload),
          ...(close ? { connection: "close" } : {}),
        });
        res.end(payload);
      };
      const path = req.url ?? "";
      const url = URL.parse(path, "http://peer");
      const route = url && routes[`${req.method} ${url.pathname}`];
      if (!url || !route) return answer(404, { error: { code: "NOT_FOUND", message: "no such peer route" } }, true);
      if (!verifyPeerRequest(deps.key, deps.hostId, path, req.headers)) {
        refusals.refused(req.socket.remoteAddress);
        return answer(401, { error: { code: "UNAUTHENTICATED", message: "not signed by a host of this database" } }, true);
      }
      const executionId = url.searchParams.get("execution") ?? "";
      if (executionId === "") return answer(400, { error: { code: "BAD_REQUEST", message: "execution is required", field: "execution" } });
      if (executionId.length > maxExecution)
        return answer(400, {
          error: { code: "BAD_REQUEST", message: `execution must be at most ${maxExecution} characters, got ${executionId.length}`, field: "execution" },
        });
      const [status, body] = route(executionId, url.searchParams);
      answer(status, body);
    },
  );
  server.maxConnections = maxConnections;
  server.on("close", () => refusals.close());
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(deps.port, deps.bind, () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}
