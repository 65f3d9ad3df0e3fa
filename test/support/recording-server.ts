// An HTTP server on loopback that records every connection it gets: the target of SSRF
// attempts (which must record nothing) and a stand-in for external APIs (which must).
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}

/** What the server answers a request: JSON `body` (default `{ok: true}`), with `headers` such as a redirect's Location. */
export interface Answer {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export async function startRecordingServer(answer: (r: Recorded) => Answer = () => ({ body: { ok: true } })) {
  const requests: Recorded[] = [];
  let connections = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const recorded = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString() };
      requests.push(recorded);
      const { status = 200, headers = {}, body = { ok: true } } = answer(recorded);
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(body));
    });
  });
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    get connections() {
      return connections;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
