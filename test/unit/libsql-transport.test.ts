// How the dispatcher's libSQL-over-HTTP transport tells an outage (the server could not be
// asked) from a refusal (it answered no): only an outage is DATABASE_UNAVAILABLE, which the API
// answers 503 with Retry-After and an outcome write retries. Against a real HTTP server that
// answers as a broken proxy or a server refusing the token would.
import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, test } from "vitest";
import { libsqlServerTransport, redactedUrl } from "../../db/libsql-server.ts";

const failure = (code: string, message: string) => Object.assign(new Error(message), { code });
type Failed = Error & { code: string };
/** The failure a call ends in (it must fail). */
const failed = (call: Promise<unknown>): Promise<Failed> =>
  call.then(
    () => Promise.reject(new Error("the call succeeded")),
    (e: unknown) => e as Failed,
  );
let server: Server | undefined;

async function answering(status: number, body: string): Promise<string> {
  server = createServer((_req, res) => res.writeHead(status, { "content-type": "text/plain" }).end(body));
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  return `http://127.0.0.1:${address.port}`;
}

afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

describe("the libSQL server transport's failures", () => {
  test("a 5xx from the server (a proxy in front of a down one) is the database unavailable", async () => {
    const url = await answering(502, "bad gateway");
    const error = await failed(libsqlServerTransport(url, undefined, failure).query({ sql: "SELECT 1", params: [], method: "all" }));
    expect(error).toMatchObject({ code: "DATABASE_UNAVAILABLE" });
    expect(error.message).toMatch(/^the database at 127\.0\.0\.1:\d+ is unavailable: .*502/);
  });

  test("nothing listening is the database unavailable", async () => {
    const url = await answering(200, "");
    await new Promise((resolve) => server!.close(resolve));
    server = undefined;
    const error = await failed(libsqlServerTransport(url, undefined, failure).batch([{ sql: "SELECT 1", params: [], method: "all" }]));
    expect(error).toMatchObject({ code: "DATABASE_UNAVAILABLE" });
  });

  test("a refused token is the server's answer, not an outage", async () => {
    const url = await answering(401, "Unauthorized");
    const error = await failed(libsqlServerTransport(url, "bad", failure).query({ sql: "SELECT 1", params: [], method: "all" }));
    expect(error.code).not.toBe("DATABASE_UNAVAILABLE");
  });

  test("a URL in a message loses its user name, password and query", () => {
    expect(redactedUrl("http://user:s3cret@db.example.com:8080/x?authToken=t")).toBe("http://db.example.com:8080/x");
    expect(redactedUrl("libsql://db.turso.io")).toBe("libsql://db.turso.io");
  });
});
