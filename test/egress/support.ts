// Servers on loopback for the proxy's tests, and a client that talks to the proxy the way
// workerd does (absolute-form request lines). Nothing here ever addresses anything but loopback.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function listen(server: Server, host: string, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve((server.address() as { port: number }).port));
  });
}

export function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** A server that must never be reached: it counts every TCP connection, before any HTTP. */
export class Recorder {
  readonly server: Server;
  connections = 0;
  requests: { host: string; url: string }[] = [];

  constructor() {
    this.server = createServer((req, res) => {
      this.requests.push({ host: req.headers.host ?? "", url: req.url ?? "" });
      res.end("you reached the recorder");
    });
    this.server.on("connection", () => (this.connections += 1));
  }
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The allowed upstream: echoes, redirects, big and slow answers, chosen by path. */
export function fixtureHandler(hits: string[]) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://fixture");
    hits.push(`${req.method} ${url.pathname}`);
    const body = await readAll(req);
    const q = (name: string) => url.searchParams.get(name) ?? "";
    const route = url.pathname.split("/")[1];
    if (route === "echo") {
      res.writeHead(200, { "content-type": "application/json" });
      return void res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: body.toString("utf8") }));
    }
    if (route === "status") {
      res.writeHead(
        Number(q("code")),
        "Custom Reason",
        [
          ["set-cookie", "a=1"],
          ["set-cookie", "b=2"],
          ["x-upstream", "yes"],
          ["x-private-hop", "drop me"],
          ["connection", "x-private-hop"],
          ["x-iota-egress-refused", "1"],
        ].flat(),
      );
      return void res.end("teapot body");
    }
    if (route === "redirect") {
      res.writeHead(Number(q("status") || 302), { location: q("to") });
      return void res.end();
    }
    if (route === "loop") {
      res.writeHead(302, { location: url.pathname === "/loop/a" ? "/loop/b" : "/loop/a" });
      return void res.end();
    }
    if (route === "chain") {
      const left = Number(url.pathname.split("/")[2]);
      res.writeHead(left > 0 ? 302 : 200, left > 0 ? { location: `/chain/${left - 1}` } : {});
      return void res.end(left > 0 ? "" : "end of chain");
    }
    if (route === "big") {
      const payload = Buffer.alloc(Number(q("n")), "x");
      if (q("chunked")) {
        res.writeHead(200);
        for (let i = 0; i < payload.length; i += 8192) res.write(payload.subarray(i, i + 8192));
        return void res.end();
      }
      res.writeHead(200, { "content-length": payload.length });
      return void res.end(payload);
    }
    if (route === "slow") return; // never answers
    if (route === "stall") {
      res.writeHead(200, { "content-length": 100 });
      return void res.write("only part of it");
    }
    res.writeHead(404);
    res.end("no such fixture route");
  };
}

/** A throwaway self-signed certificate for one name; null when openssl is not installed. */
export function selfSignedCertificate(name: string): { key: string; cert: string } | null {
  const dir = mkdtempSync(join(tmpdir(), "iota-egress-tls-"));
  try {
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "1",
        "-keyout",
        join(dir, "key.pem"),
        "-out",
        join(dir, "cert.pem"),
        "-subj",
        `/CN=${name}`,
        "-addext",
        `subjectAltName=DNS:${name}`,
      ],
      { stdio: "ignore" },
    );
    return { key: readFileSync(join(dir, "key.pem"), "utf8"), cert: readFileSync(join(dir, "cert.pem"), "utf8") };
  } catch {
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function tlsFixture(tls: { key: string; cert: string }): Server {
  return createTlsServer(tls, (req, res) => res.end(`secure hello to ${req.headers.host}`)) as unknown as Server;
}

export interface Sent {
  status: number;
  statusText: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  text: string;
  json: any;
}

export interface SendInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Send origin-form `/` and the URL in x-iota-target, as a client that cannot do absolute-form would. */
  viaHeader?: boolean;
}

/** One request through the proxy, as a script's fetch would arrive from workerd. */
export function through(proxyPort: number, url: string, init: SendInit = {}): Promise<Sent> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.viaHeader) headers["x-iota-target"] = url;
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: proxyPort, method: init.method ?? "GET", path: init.viaHeader ? "/" : url, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? "", headers: res.headers, rawHeaders: res.rawHeaders, text, json });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(init.body);
  });
}
