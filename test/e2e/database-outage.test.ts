// One host on a real libSQL server (sqld) that goes away and comes back: the database being
// out costs callers a 503 they can retry, never a run's result. A run that finishes while the
// server is down keeps its outcome in memory and writes it once the server is back, even over
// the lost-run sweep's guess; API calls meanwhile answer 503 DATABASE_UNAVAILABLE with
// Retry-After, and work again after. LIBSQL_URL mistakes are the config parser's (unit level).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { database } from "../../host/config.ts";
import { startGates, waitFor } from "../support/gates.ts";
import { startSqld, type Sqld } from "../support/sqld.ts";
import { System } from "../support/system.ts";

let sqld: Sqld;
let host: System;
let gates: Awaited<ReturnType<typeof startGates>>;
let tenant: { slug: string; token: string };

/** The host's log lines of `event` (JSON), in order. */
function logged(event: string): Record<string, unknown>[] {
  return host.output
    .split("\n")
    .filter((line) => line.includes(`"event":"${event}"`))
    .map((line) => JSON.parse(line.slice(line.indexOf("{"))) as Record<string, unknown>);
}

beforeAll(async () => {
  [sqld, gates] = await Promise.all([startSqld({ auth: true }), startGates()]);
  host = await System.start({
    env: {
      LIBSQL_URL: sqld.url,
      LIBSQL_AUTH_TOKEN: sqld.authToken!,
      IOTA_EGRESS_ALLOW: `127.0.0.1:${gates.port}`,
      // The sweep closes a run as LOST a second past its deadline, so it gets to guess (wrongly)
      // about the run whose outcome waits for the server below.
      IOTA_LOST_RUN_GRACE_MS: "1000",
    },
  });
  tenant = await host.tenant("outage");
}, 120_000);
afterAll(async () => {
  await host?.destroy();
  await Promise.all([sqld?.stop(), gates?.close()]);
});

describe("the libSQL server going away and coming back", () => {
  test("a run that finishes while the server is down is recorded with its real outcome, output and logs once it is back", async () => {
    const id = await host.script(
      {
        name: "finishes-in-the-dark",
        timeoutMs: 5000,
        code: `export default async () => { const said = await (await fetch("${gates.url("dark")}")).text(); console.log("heard", said); return { said }; }`,
      },
      tenant.token,
    );
    const run = await host.api("POST", `/admin/api/scripts/${id}/runs`, { mode: "async" }, { token: tenant.token });
    expect(run.body.status).toBe("running");
    await waitFor(
      async () => gates.waiting("dark"),
      (n) => n === 1,
    );
    await sqld.kill();
    gates.open("dark");
    // Its outcome could not be written: said so, with the execution and the cause, each time.
    // Waited for until the retries are seconds apart and the run is past its deadline plus the
    // grace, so the sweep closes it as lost before the next retry.
    const failures = await waitFor(
      async () => logged("execution.record_failed").filter((l) => l.executionId === run.body.id),
      (lines) => lines.some((l) => Number(l.retryInMs) >= 4000),
      30_000,
    );
    expect(failures[0]).toMatchObject({ level: "error", executionId: run.body.id, status: "succeeded" });
    expect(String(failures[0]!.error)).toMatch(/unavailable/);
    await sqld.restart();
    const guessed = await waitFor(
      async () => (await host.api("GET", `/admin/api/executions/${run.body.id}`, undefined, { token: tenant.token })).body,
      (e) => e.status !== "running",
    );
    expect(guessed).toMatchObject({ status: "interrupted", errorCode: "LOST" });
    // The truth replaces the guess.
    const recorded = await waitFor(
      async () => (await host.api("GET", `/admin/api/executions/${run.body.id}`, undefined, { token: tenant.token })).body,
      (e) => e.status !== "interrupted",
      30_000,
    );
    expect(recorded).toMatchObject({ status: "succeeded", output: { said: "open" }, error: null });
    expect(recorded.logs.map((l: { message: string }) => l.message)).toEqual(["heard open"]);
    // The slot it held is free: the tenant's next run starts and finishes.
    const next = await host.api("POST", `/admin/api/scripts/${id}/runs`, { mode: "sync" }, { token: tenant.token });
    expect(next.body).toMatchObject({ status: "succeeded", output: { said: "open" } });
  }, 90_000);

  test("an API call while the server is down answers 503 DATABASE_UNAVAILABLE with Retry-After, and works once it is back", async () => {
    const path = "/admin/api/executions?limit=5";
    expect((await host.api("GET", path, undefined, { token: tenant.token })).status).toBe(200);
    await sqld.kill();
    const down = await host.api("GET", path, undefined, { token: tenant.token });
    expect(down.status).toBe(503);
    expect(down.headers.get("retry-after")).toMatch(/^\d+$/);
    expect(down.body.error).toMatchObject({ code: "DATABASE_UNAVAILABLE", details: { retryAfterSeconds: Number(down.headers.get("retry-after")) } });
    expect(JSON.stringify(down.body)).not.toMatch(/stack|at .*\.ts|Failed query/);
    // The log names what went wrong, not the query's values.
    const line = await waitFor(
      async () => logged("request.failed").find((l) => l.code === "DATABASE_UNAVAILABLE"),
      (l) => l !== undefined,
    );
    expect(String(line!.error)).toMatch(/^the database at 127\.0\.0\.1:\d+ is unavailable: \S/);
    expect(String(line!.error)).not.toMatch(/params:/);
    await sqld.restart();
    const back = await host.api("GET", path, undefined, { token: tenant.token });
    expect(back.status).toBe(200);
    expect(back.body.items.length).toBeGreaterThan(0);
  }, 60_000);

  test("an API call to a hung server answers 503 once the database request times out, and works once it goes on", async () => {
    const path = "/admin/api/executions?limit=5";
    sqld.pause();
    try {
      const hung = await host.api("GET", path, undefined, { token: tenant.token });
      expect(hung.status).toBe(503);
      expect(hung.body.error.code).toBe("DATABASE_UNAVAILABLE");
      expect(hung.headers.get("retry-after")).toMatch(/^\d+$/);
    } finally {
      sqld.resume();
    }
    // Requests the server held while stopped may fail as it goes on (its own timeouts fire);
    // the call works again once they are through.
    await waitFor(
      async () => (await host.api("GET", path, undefined, { token: tenant.token })).status,
      (status) => status === 200,
    );
  }, 60_000);
});

describe("LIBSQL_URL mistakes stop the start with one line naming LIBSQL_URL", () => {
  const refused = (url: string) => {
    try {
      database("/unused", url);
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error(`${url} was accepted`);
  };

  test("a password in the URL is refused without being repeated", () => {
    const message = refused("http://user:s3cretpw@127.0.0.1:1");
    expect(message).toMatch(/^LIBSQL_URL .*LIBSQL_AUTH_TOKEN/);
    expect(message).not.toContain("s3cretpw");
  });

  test("a URL without a host, or with a port no port can be, says so", () => {
    expect(refused("libsql://")).toMatch(/^LIBSQL_URL "libsql:\/\/" names no host/);
    expect(refused("libsql://127.0.0.1:99999")).toMatch(/^LIBSQL_URL .* has port "99999": a port is a number from 1 to 65535/);
    expect(refused("postgres://db.example.com/iota")).toMatch(/^LIBSQL_URL must be a libsql:\/\/, https:\/\//);
  });

  test("a file: URL names a file whose directory exists", async () => {
    expect(refused("file:")).toMatch(/^LIBSQL_URL "file:" names no file/);
    expect(refused("file:/nonexistent/x.db")).toBe(
      "LIBSQL_URL names /nonexistent/x.db, but the directory /nonexistent does not exist: create it, or name a file in one that does",
    );
    const dir = await mkdtemp(join(tmpdir(), "iota-url-"));
    try {
      expect(refused(`file:${dir}`)).toMatch(/which is a directory/);
      expect(database("/unused", `file:${dir}/iota.db`)).toEqual({ kind: "file", file: `${dir}/iota.db` });
      expect(database("/unused", `file://${dir}/iota.db`)).toEqual({ kind: "file", file: `${dir}/iota.db` });
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  test("a host refuses to start on one, with that line", async () => {
    await expect(System.start({ env: { LIBSQL_URL: "libsql://127.0.0.1:99999" } })).rejects.toThrow(
      /LIBSQL_URL .*has port .*99999.*: a port is a number from 1 to 65535/,
    );
  });
});
