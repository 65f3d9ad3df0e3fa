// The loopback HTTP server that scripts' fetches are routed to. It speaks forward-proxy HTTP:
// the request line carries the absolute URL (`GET http://example.com/ HTTP/1.1`), or, when a
// client can only send origin-form, the `x-iota-target` header does. It turns each request into
// a ScriptRequest, lets the exchange decide, and writes back either the upstream's answer or a
// 403 that says why not.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { timingSafeEqual } from "node:crypto";
import type { Socket } from "node:net";
import type { ExchangeResult, ScriptRequest } from "./exchange.ts";
import { pairs, requestHeaders, responseHeaders } from "./headers.ts";
import { refusal, type Refusal } from "./refusal.ts";

export interface ProxyServerDeps {
  exchange: (request: ScriptRequest, cancelled: AbortSignal) => Promise<ExchangeResult>;
  maxRequestBytes: number;
  /** When set, every request must carry it in `x-iota-egress-secret`: other local processes may not borrow the proxy. */
  secret?: string;
  onFault: (event: string, error: unknown) => void;
}

/** The header carrying a request's records (JSON) to the runner, which removes it before the script sees the answer. */
export const recordsHeader = "x-iota-egress-records";

function recordsOf(result: ExchangeResult): string | undefined {
  return result.records && result.records.length > 0 ? encodeURIComponent(JSON.stringify(result.records)) : undefined;
}

function refuse(res: ServerResponse, found: Refusal, close = false, records?: string): void {
  const payload = JSON.stringify({ error: found });
  const headers: Record<string, string | number> = {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(payload),
    "x-iota-egress-refused": "1",
  };
  if (records) headers[recordsHeader] = records;
  if (close) headers.connection = "close";
  res.writeHead(403, headers);
  res.end(payload);
}

function header(req: IncomingMessage, name: string): string {
  const value = req.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? "";
}

function secretMatches(given: string, secret: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The body, up to one byte past the cap; `bytes` is how much the client said or sent, so the
 * exchange can refuse an oversized body with a message naming the URL, without us buffering it.
 */
function readBody(req: IncomingMessage, max: number): Promise<{ body: Buffer; bytes: number }> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > max) return Promise.resolve({ body: Buffer.alloc(0), bytes: declared });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    const onData = (chunk: Buffer) => {
      bytes += chunk.byteLength;
      if (bytes <= max) return void chunks.push(chunk);
      // Stop reading rather than drain: the answer closes the connection anyway.
      req.pause();
      req.off("data", onData);
      resolve({ body: Buffer.alloc(0), bytes });
    };
    req.on("data", onData);
    req.on("end", () => resolve({ body: Buffer.concat(chunks), bytes }));
    req.on("error", reject);
  });
}

const bodiless = new Set(["GET", "HEAD", "OPTIONS", "DELETE", "TRACE"]);

async function handle(deps: ProxyServerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (deps.secret !== undefined && !secretMatches(header(req, "x-iota-egress-secret"), deps.secret)) {
    return refuse(res, refusal("EGRESS_BLOCKED", "this proxy", "the request did not come from the platform"), true);
  }
  const tenantId = header(req, "x-iota-tenant");
  const executionId = header(req, "x-iota-execution");
  const url = (req.url ?? "").startsWith("/") ? header(req, "x-iota-target") : (req.url ?? "");
  if (tenantId === "" || executionId === "") {
    return refuse(res, refusal("EGRESS_BLOCKED", url || "(no URL)", "the platform did not say which tenant and execution is asking"), true);
  }
  const method = (req.method ?? "GET").toUpperCase();
  const { body, bytes } = await readBody(req, deps.maxRequestBytes);
  const cancelled = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) cancelled.abort();
  });
  const result = await deps.exchange(
    {
      tenantId,
      executionId,
      method,
      url,
      headers: requestHeaders(pairs(req.rawHeaders)),
      body: body.byteLength === 0 && bodiless.has(method) ? null : body,
      bodyBytes: bytes,
    },
    cancelled.signal,
  );
  // An unread or partly read request body leaves the connection unusable for the next request.
  const close = bytes > deps.maxRequestBytes;
  const records = recordsOf(result);
  if (!result.ok) return refuse(res, result.refusal, close, records);
  const { response } = result;
  const keepLength = method === "HEAD";
  const headers = responseHeaders(response.headers, keepLength).flat();
  if (records) headers.push(recordsHeader, records);
  const hasBody = !keepLength && response.status !== 204 && response.status !== 304;
  if (hasBody) headers.push("content-length", String(response.body.byteLength));
  if (close) headers.push("connection", "close");
  res.writeHead(response.status, response.statusText, headers);
  res.end(hasBody ? response.body : undefined);
}

export function createProxyServer(deps: ProxyServerDeps): Server {
  const server = createServer((req, res) => {
    handle(deps, req, res).catch((error: unknown) => {
      deps.onFault("egress.proxy_failed", error);
      if (!res.headersSent) refuse(res, refusal("EGRESS_FAILED", "this URL", "the request could not be completed"), true);
      else res.destroy();
    });
  });
  // Tunnels would carry bytes the policy never sees; scripts get plain requests only.
  server.on("connect", (_req: IncomingMessage, socket: Socket) => {
    const payload = JSON.stringify({ error: refusal("EGRESS_BLOCKED", "this proxy", "CONNECT tunnels are not allowed") });
    socket.end(
      `HTTP/1.1 403 Forbidden\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(payload)}\r\nx-iota-egress-refused: 1\r\nconnection: close\r\n\r\n${payload}`,
    );
  });
  return server;
}
