// The hosts table: a host's announcement refreshes its row, a host silent past peerGoneAfterMs is
// not asked for anything, and rows of hosts silent for a day go when any host announces itself, so
// hosts whose id changes with every start (a container's hostname) do not pile up.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import { drizzle } from "drizzle-orm/libsql";
import { beforeAll, describe, expect, test } from "vitest";
import { migrateLocalDatabase } from "../../db/migrate.ts";
import * as schema from "../../db/schema.ts";
import { announceHost, livePeer } from "../../dispatcher/domain/hosts.ts";
import { peerGoneAfterMs } from "../../protocol/live-peers.ts";

type Database = Parameters<typeof announceHost>[0];
let db: Database;
const now = Date.parse("2030-01-10T12:00:00.000Z");
const hoursAgo = (h: number) => new Date(now - h * 3_600_000);

beforeAll(async () => {
  const file = join(await mkdtemp(join(tmpdir(), "iota-hosts-")), "platform.db");
  await migrateLocalDatabase(file);
  // The libSQL driver builds the same queries as the dispatcher's: only the type differs.
  db = drizzle(createClient({ url: `file:${file}` }), { schema }) as unknown as Database;
});

const ids = async () => (await db.select({ id: schema.hosts.id }).from(schema.hosts)).map((r) => r.id).sort();

describe("the hosts table", () => {
  test("an announcement drops hosts not heard from for a day, keeps the others, and refreshes its own", async () => {
    const seen = (id: string, peerAddress: string, h: number) => ({ id, peerAddress, seenAt: hoursAgo(h).toISOString() });
    await db
      .insert(schema.hosts)
      .values([
        seen("container-1:8787", "10.0.0.1:4000", 50),
        seen("container-2:8787", "10.0.0.2:4000", 25),
        seen("restarted-today:8787", "10.0.0.3:4000", 23),
        seen("machine-a:8787", "10.0.0.4:4000", 30),
      ]);

    // machine-a was silent for longer than a day itself, and is back: its own row stays.
    await announceHost(db, "machine-a:8787", "10.0.0.4:4001", new Date(now));
    expect(await ids()).toEqual(["machine-a:8787", "restarted-today:8787"]);
    expect(await livePeer(db, "machine-a:8787", now)).toEqual({ hostId: "machine-a:8787", address: "10.0.0.4:4001" });
  });

  test("a host silent past peerGoneAfterMs, or never heard of, is not asked", async () => {
    await announceHost(db, "quiet:8787", "10.0.0.5:4000", new Date(now));
    expect(await livePeer(db, "quiet:8787", now + peerGoneAfterMs)).toEqual({ hostId: "quiet:8787", address: "10.0.0.5:4000" });
    expect(await livePeer(db, "quiet:8787", now + peerGoneAfterMs + 1)).toBeUndefined();
    expect(await livePeer(db, "never-seen:8787", now)).toBeUndefined();
  });
});
