// Sends one hop with Node's http and https clients, to the address the policy checked and no
// other: the client's own lookup is replaced by one that can only answer that address, while the
// Host header, TLS SNI and certificate check still use the name from the URL.
import { request as httpRequest, type ClientRequest, type RequestOptions } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import type { Send, UpstreamResponse } from "./exchange.ts";
import { pairs } from "./headers.ts";
import { UpstreamFailure } from "./refusal.ts";

export interface TransportOptions {
  maxResponseBytes: number;
  /** Extra certificate authorities to trust for https (a private PKI, or tests). */
  ca?: string | Buffer | (string | Buffer)[];
}

export function createSend(options: TransportOptions): Send {
  const max = options.maxResponseBytes;
  return (hop, target, pinned, signal) =>
    new Promise<UpstreamResponse>((resolve, reject) => {
      const pinnedLookup: LookupFunction = (_name, lookupOptions, callback) => {
        if (lookupOptions.all) callback(null, [{ address: pinned.address, family: pinned.family }]);
        else callback(null, pinned.address, pinned.family);
      };
      const headers = hop.headers.flat();
      headers.push("Host", hop.url.host);
      if (hop.body !== null) headers.push("Content-Length", String(hop.body.byteLength));
      const secure = hop.url.protocol === "https:";
      const request: RequestOptions & { servername?: string; ca?: TransportOptions["ca"] } = {
        method: hop.method,
        // An address literal connects without any lookup; a name goes through pinnedLookup.
        host: target.ip !== null ? pinned.address : target.host,
        port: target.port,
        path: `${hop.url.pathname}${hop.url.search}`,
        headers,
        setHost: false,
        lookup: pinnedLookup,
        // No pooling: a pooled socket is keyed by name, not by the address this hop was checked for.
        agent: false,
        signal,
      };
      if (secure && target.ip === null) request.servername = target.host;
      if (secure && options.ca !== undefined) request.ca = options.ca;

      // What had arrived when something went wrong, for the record.
      const progress = { status: null as number | null, bytes: 0 };
      const req: ClientRequest = (secure ? httpsRequest : httpRequest)(request, (res) => {
        const status = res.statusCode ?? 0;
        progress.status = status;
        const fail = (failure: UpstreamFailure) => {
          req.destroy();
          reject(failure);
        };
        const declared = Number(res.headers["content-length"]);
        if (Number.isFinite(declared) && declared > max) {
          return fail(new UpstreamFailure("EGRESS_TOO_LARGE", `the response is ${declared} bytes, over the ${max} byte limit`, { status }));
        }
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => {
          progress.bytes += chunk.byteLength;
          if (progress.bytes > max) return fail(new UpstreamFailure("EGRESS_TOO_LARGE", `the response is over the ${max} byte limit`, progress));
          chunks.push(chunk);
        });
        res.on("end", () => resolve({ status, statusText: res.statusMessage ?? "", headers: pairs(res.rawHeaders), body: Buffer.concat(chunks) }));
        const cut = () => reject(new UpstreamFailure("EGRESS_FAILED", "the connection closed before the response was complete", progress));
        res.on("aborted", cut);
        res.on("error", cut);
      });
      req.on("error", (error: NodeJS.ErrnoException) => reject(new UpstreamFailure("EGRESS_FAILED", explain(error), progress)));
      req.end(hop.body ?? undefined);
    });
}

const tlsCodes = /^(ERR_TLS_|ERR_SSL_|CERT_|DEPTH_ZERO_|SELF_SIGNED_|UNABLE_TO_)/;

/** A transport error in words a script author can act on, without our internals. */
function explain(error: NodeJS.ErrnoException): string {
  const code = error.code ?? "";
  if (code === "ECONNREFUSED") return "the server refused the connection";
  if (code === "ECONNRESET" || code === "EPIPE") return "the server closed the connection";
  if (code === "ETIMEDOUT" || code === "EHOSTUNREACH" || code === "ENETUNREACH") return "the server could not be reached";
  if (tlsCodes.test(code)) return `its TLS certificate was not accepted (${code})`;
  if (code.startsWith("HPE_")) return "the server sent a malformed HTTP response";
  return "the request could not be completed";
}
