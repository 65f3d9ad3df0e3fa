// Hosts with data directories of their own sharing one database named by LIBSQL_URL, here a
// `file:` URL: each host serves the dispatcher's SQL from that file itself. The same over a
// libSQL server (sqld, the dispatcher opening it over HTTP with LIBSQL_AUTH_TOKEN) is
// libsql-server.test.ts. What one host stores, the other serves.
import { randomBytes } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { System } from "../support/system.ts";
import { savedOnOneRunsOnTheOther } from "../support/two-hosts.ts";

let a: System;
let b: System;

beforeAll(async () => {
  const shared = join(await mkdtemp(join(tmpdir(), "iota-shared-")), "platform.db");
  // Hosts on one database must seal tenants' secrets with one key.
  const env = { LIBSQL_URL: `file:${shared}`, IOTA_SECRETS_KEY: randomBytes(32).toString("base64") };
  a = await System.start({ env });
  b = await System.start({ env, token: a.token });
}, 180_000);
afterAll(async () => {
  await Promise.all([a?.destroy(), b?.destroy()]);
});

describe("two hosts on one database named by LIBSQL_URL", () => {
  test("a script saved through one host runs through the other, with its secret (read, so sealed and opened with one key), and both list the run", () =>
    savedOnOneRunsOnTheOther(a, b, "shared"));

  test("bad LIBSQL_URL stops the start with a message naming the setting", async () => {
    const bad = System.start({ env: { LIBSQL_URL: "postgres://db.example.com/iota" } });
    await expect(bad).rejects.toThrow(/LIBSQL_URL must be a libsql:\/\/, https:\/\/ \(sqld, Turso\) or file: URL/);
  });
});
