// The host's loopback API for the dispatcher: SQL against the embedded libSQL file, and the
// runner supervisor's side door (where a tenant's runner is, what became of an execution whose
// runner died, cancel and live state (of its own runs, or through the peer relay another
// host's), stats). Jobs themselves go from the dispatcher straight to the runner. Every call carries the
// per-start secret; nothing else may use it.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { timingSafeEqual } from "node:crypto";
import type { LocalSqlEngine } from "../db/local-engine.ts";
import type { ProxyQuery } from "../db/proxy-protocol.ts";
import type { HostLog } from "./log.ts";
import type { RunnerPool } from "./runners/pool.ts";
import { egressCounters } from "./egress-wiring.ts";
import type { PeerRelay } from "./peer-relay.ts";
import type { CancelAnswer, LivePeer } from "../protocol/live-peers.ts";

export interface InternalServerDeps {
  secret: string;
  /** The embedded file's engine; absent when the dispatcher reaches a libSQL server itself. */
  sql: LocalSqlEngine | undefined;
  runners: RunnerPool;
  log: HostLog;
  /** Told when an execution has ended, so per-execution state elsewhere can go. */
  onRunEnd?: (executionId: string) => void;
  /** Asks another host on the database about a run of its own (a live view or a cancel made here). */
  relay: PeerRelay;
}

function livePeer(value: unknown): LivePeer | undefined {
  if (value === undefined || value === null) return undefined;
  const { hostId, address } = value as Partial<LivePeer>;
  if (typeof hostId !== "string" || typeof address !== "string") throw Object.assign(new Error("peer needs hostId and address"), { code: "BAD_REQUEST" });
  return { hostId, address };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(payload) });
  res.end(payload);
}

function authorised(req: IncomingMessage, secret: string): boolean {
  const given = Buffer.from(String(req.headers["x-iota-host-secret"] ?? ""));
  const expected = Buffer.from(secret);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function startInternalServer(deps: InternalServerDeps): Promise<{ server: Server; port: number }> {
  if (deps.onRunEnd) deps.runners.onRunEnd(deps.onRunEnd);
  const engine = () => {
    if (!deps.sql) throw Object.assign(new Error("this host serves no database: the dispatcher uses LIBSQL_URL"), { code: "NO_DATABASE" });
    return deps.sql;
  };
  const routes: Record<string, (body: unknown) => Promise<unknown>> = {
    "/db/query": async (body) => engine().query(body as ProxyQuery),
    "/db/batch": async (body) => engine().batch(body as ProxyQuery[]),
    "/place": async (body) => {
      const { tenantId, memoryMb } = body as { tenantId: string; memoryMb: number };
      return deps.runners.place(String(tenantId), Number(memoryMb));
    },
    "/verdict": async (body) => deps.runners.verdict(String((body as { executionId: string }).executionId)),
    "/stats": async () => ({ ...deps.runners.stats(), egressRefusals: egressCounters.refusals }),
    "/cancel": async (body): Promise<CancelAnswer> => {
      const { executionId, by, peer } = body as { executionId: string; by: string; peer?: unknown };
      const other = livePeer(peer);
      return other ? deps.relay.cancel(other, String(executionId), String(by)) : { cancelled: deps.runners.cancel(String(executionId), String(by)) };
    },
    "/live": async (body) => {
      const { executionId, after, peer } = body as { executionId: string; after: number; peer?: unknown };
      const other = livePeer(peer);
      return other ? deps.relay.live(other, String(executionId), Number(after)) : deps.runners.live(executionId, after);
    },
  };
  const server = createServer((req, res) => {
    const route = req.method === "POST" ? routes[req.url ?? ""] : undefined;
    if (!route) return send(res, 404, { error: { code: "NOT_FOUND", message: "no such host route" } });
    if (!authorised(req, deps.secret)) return send(res, 403, { error: { code: "FORBIDDEN", message: "bad host secret" } });
    readJson(req)
      .then(route)
      .then(
        (result) => send(res, 200, result),
        (error: Error & { code?: string }) => {
          // Constraint violations are expected answers the dispatcher maps; others are faults.
          const code = error.code ?? "HOST_ERROR";
          if (!code.startsWith("SQLITE_CONSTRAINT")) deps.log.error("host.request_failed", { path: req.url, code, error: error.message });
          send(res, 400, { error: { code, message: error.message } });
        },
      );
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}
