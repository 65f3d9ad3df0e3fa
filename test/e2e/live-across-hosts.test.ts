// Two hosts on one database (LIBSQL_URL, one secrets key): a live view opened through host B of a
// run on host A's runners gets A's log lines and progress while the run is still going, because B
// asks A for them (signed with a key from the shared secrets key); a cancel through B of a run on
// A is made by A, as A's own would be; the tenant check stays B's, A's peer listener answers no
// one unsigned, and a view of a run whose host is gone ends with the record.
import { randomBytes } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { createServer } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { peerKey, signPeerRequest } from "../../host/peer-auth.ts";
import { serverSentEvents } from "../../protocol/sse.ts";
import { startGates, waitFor } from "../support/gates.ts";
import { System } from "../support/system.ts";

let a: System;
let b: System;
let gates: Awaited<ReturnType<typeof startGates>>;
let tenant: { slug: string; token: string };
let databaseUrl: string;
const secretsKey = randomBytes(32).toString("base64");

beforeAll(async () => {
  gates = await startGates();
  databaseUrl = `file:${join(await mkdtemp(join(tmpdir(), "iota-live-across-")), "platform.db")}`;
  const env = {
    LIBSQL_URL: databaseUrl,
    IOTA_SECRETS_KEY: secretsKey,
    IOTA_EGRESS_ALLOW: `127.0.0.1:${gates.port}`,
    // A run whose host is gone is closed by the other host's tick this long past its deadline.
    IOTA_LOST_RUN_GRACE_MS: "1000",
  };
  // A listens on every interface, as hosts on several machines do: B reaches A's peer listener at
  // the machine's own address, not loopback. B keeps the default.
  a = await System.start({ env: { ...env, BIND_ADDRESS: "0.0.0.0" } });
  b = await System.start({ env, token: a.token });
  tenant = await a.tenant("live-across");
}, 180_000);
afterAll(async () => {
  await Promise.all([a?.destroy(), b?.destroy()]);
  await gates?.close();
});

/** A script that logs, reports progress, then waits at the gate named in its input. */
const waiter = `export default async function (input, ctx) {
  console.log("waiting on " + input.gate);
  ctx.progress(40, "at the gate");
  const r = await fetch(input.gate);
  return "through: " + (await r.text());
}`;

/** Starts a sync run through host A (so A's runners run it) and returns its id once it waits at the gate. */
async function runHeldOnA(scriptId: string, gate: string): Promise<{ id: string; answer: Promise<Response> }> {
  const answer = fetch(`${a.baseUrl}/admin/api/scripts/${scriptId}/runs`, {
    method: "POST",
    headers: { authorization: `Bearer ${tenant.token}`, "content-type": "application/json" },
    body: JSON.stringify({ input: { gate: gates.url(gate) }, mode: "sync" }),
  });
  answer.catch(() => {});
  await waitFor(
    async () => gates.waiting(gate),
    (n) => n === 1,
  );
  const listed = await b.api("GET", `/admin/api/executions?scriptId=${scriptId}&status=running`, undefined, { token: tenant.token });
  expect(listed.body.items).toHaveLength(1);
  return { id: listed.body.items[0].id, answer };
}

/** A script that logs, says when its signal aborts, and waits at the gate named in its input. */
const cancellable = `export default async function (input, ctx) {
  console.log("waiting on " + input.gate);
  ctx.signal.addEventListener("abort", () => ctx.log.warn("aborted: " + ctx.signal.reason.message));
  const r = await fetch(input.gate);
  return "through: " + (await r.text());
}`;

const cancelThrough = (system: System, id: string, token: string) => system.api("POST", `/admin/api/executions/${id}/cancel`, undefined, { token });

/** A loopback port nothing listens on: connections to it are refused. */
async function freedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function openStream(system: System, id: string, token: string): Promise<Response> {
  return fetch(`${system.baseUrl}/admin/api/executions/${id}/stream`, { headers: { authorization: `Bearer ${token}` } });
}

describe("a live view through another host of a run on host A", () => {
  test("gets the run's log line and progress while it still waits, then its end", async () => {
    const scriptId = await a.script({ name: "held-at-gate", code: waiter }, tenant.token);
    const { id, answer } = await runHeldOnA(scriptId, "across");

    const response = await openStream(b, id, tenant.token);
    expect(response.status).toBe(200);
    const seen: { event: string; data: any; gateOpen: boolean }[] = [];
    let gateOpen = false;
    for await (const { event, data } of serverSentEvents(response.body!)) {
      seen.push({ event, data: JSON.parse(data), gateOpen });
      const gotLine = seen.some((e) => e.event === "log");
      const gotProgress = seen.some((e) => e.event === "progress");
      if (!gateOpen && gotLine && gotProgress) {
        // Both came through B while the run was still held on A: only A had them.
        expect(gates.waiting("across")).toBe(1);
        gateOpen = true;
        gates.open("across");
      }
    }
    expect(seen.filter((e) => !e.gateOpen).map((e) => e.event)).toEqual(["log", "progress"]);
    expect(seen[0]!.data).toMatchObject({ level: "info", message: `waiting on ${gates.url("across")}` });
    expect(seen[1]!.data).toEqual({ percent: 40, message: "at the gate" });
    const end = seen.at(-1)!;
    expect(end.event).toBe("end");
    // Nothing sent twice: the line and progress are not repeated from the record at the end.
    expect(seen.map((e) => e.event)).toEqual(["log", "progress", "end"]);
    expect(end.data).toMatchObject({ id, status: "succeeded", output: "through: open" });
    expect((await (await answer).json()).status).toBe("succeeded");
  });

  test("another tenant's token on host B gets 404 for that live run, like a missing one", async () => {
    const other = await a.tenant("live-across-other");
    const scriptId = await a.script({ name: "private-held", code: waiter }, tenant.token);
    const { id, answer } = await runHeldOnA(scriptId, "private");
    try {
      const response = await openStream(b, id, other.token);
      expect(response.status).toBe(404);
      expect((await response.json()).error.code).toBe("NOT_FOUND");
    } finally {
      gates.open("private");
    }
    expect((await (await answer).json()).status).toBe("succeeded");
  });

  test("host A's peer listener answers no unsigned or wrongly signed request", async () => {
    const address = /"event":"host\.peer_listening","hostId":"[^"]+","address":"([^"]+)"/.exec(a.output)?.[1];
    // Bound to 0.0.0.0, A tells the other hosts the machine's own address (what B dialled above).
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && !i.internal && i.family === "IPv4");
    expect(address).toMatch(new RegExp(`^${(external?.address ?? "127.0.0.1").replaceAll(".", "\\.")}:\\d+$`));
    const url = `http://${address}/live?execution=anything&after=0`;
    expect((await fetch(url)).status).toBe(401);
    const forged = await fetch(url, {
      headers: { "x-iota-peer-to": "whoever", "x-iota-peer-time": String(Date.now()), "x-iota-peer-signature": "00".repeat(32) },
    });
    expect(forged.status).toBe(401);
    // Nor is a cancel: unsigned, or signed for a read of the same execution (the path is signed).
    const cancelPath = "/cancel?execution=anything&by=someone";
    expect((await fetch(`http://${address}${cancelPath}`, { method: "POST" })).status).toBe(401);
    const hostId = /"event":"host\.peer_listening","hostId":"([^"]+)"/.exec(a.output)![1]!;
    const readOnly = signPeerRequest(peerKey(secretsKey), hostId, "/live?execution=anything&after=0");
    expect((await fetch(`http://${address}/live?execution=anything&after=0`, { headers: readOnly })).status).toBe(200);
    expect((await fetch(`http://${address}${cancelPath}`, { method: "POST", headers: readOnly })).status).toBe(401);
    // It serves live state and cancels only: the host's database side door is not behind it.
    expect((await fetch(`http://${address}/db/query`, { method: "POST", body: "{}" })).status).toBe(404);
  });

  test("host A's peer listener keeps no connection of a caller it does not know, and tells a flood of refusals in a line or two", async () => {
    const address = /"event":"host\.peer_listening","hostId":"[^"]+","address":"([^"]+)"/.exec(a.output)![1]!;
    const [host, port] = [address.slice(0, address.lastIndexOf(":")), Number(address.slice(address.lastIndexOf(":") + 1))];
    /** Opens a raw connection, writes `request` (if any) and answers what came back once A closed it. */
    const untilClosed = (request?: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(port, host, () => request && socket.write(request));
        let received = "";
        socket.on("data", (c: Buffer) => (received += c.toString()));
        socket.on("error", reject);
        socket.on("close", () => resolve(received));
      });
    // Refused, and the connection closed with the answer, though the request asked to keep it.
    const refused = await untilClosed("GET /live?execution=anything&after=0 HTTP/1.1\r\nHost: peer\r\nConnection: keep-alive\r\n\r\n");
    expect(refused).toMatch(/^HTTP\/1\.1 401 /);
    expect(refused.toLowerCase()).toContain("connection: close");
    const unknown = await untilClosed("GET /db/query HTTP/1.1\r\nHost: peer\r\n\r\n");
    expect(unknown).toMatch(/^HTTP\/1\.1 404 /);
    // A connection that never sends a request is not held either.
    await untilClosed();

    const from = a.output.length;
    const refusedLines = () =>
      a.output
        .slice(from)
        .split("\n")
        .filter((l) => l.includes('"event":"peer.refused"'))
        .map((l) => JSON.parse(l.slice(l.indexOf("{"))) as { refused: number; lastFrom: string });
    const flood = await Promise.all(Array.from({ length: 50 }, () => fetch(`http://${address}/live?execution=anything&after=0`)));
    expect(flood.map((r) => r.status)).toEqual(Array(50).fill(401));
    // Every refusal is counted, in a line or two (one as they began, one at the interval's end).
    const lines = await waitFor(
      async () => refusedLines(),
      (seen) => seen.reduce((n, l) => n + l.refused, 0) >= 50,
      25_000,
    );
    expect(lines.length).toBeLessThanOrEqual(2);
    expect(lines.at(-1)!.lastFrom).toBeTruthy();
  }, 40_000);

  test("a cancel through B with the tenant's token stops the run on A: its signal aborts, the record names who cancelled, A's runner runs on", async () => {
    const scriptId = await a.script({ name: "cancelled-across", code: cancellable }, tenant.token);
    const { id, answer } = await runHeldOnA(scriptId, "cancel-across");

    const cancelled = await cancelThrough(b, id, tenant.token);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ id, status: "cancelled", errorCode: "CANCELLED", output: null });
    expect(cancelled.body.error.message).toMatch(/^cancelled by live-across-owner \(.+\) while it ran$/);
    // Written on A, where it ran: its line and its abort handler's.
    expect(cancelled.body.logs.map((l: { message: string }) => l.message)).toEqual([`waiting on ${gates.url("cancel-across")}`, "aborted: cancelled"]);
    // A's sync caller hears it from A.
    expect(await (await answer).json()).toMatchObject({ id, status: "cancelled", errorCode: "CANCELLED" });
    // It let go of the gate, and A's runner for the tenant takes the next run.
    expect(gates.waiting("cancel-across")).toBe(0);
    const next = await a.run(await a.script({ name: "after-cancel", code: "export default () => 'still here'" }, tenant.token), null, tenant.token);
    expect(next.body).toMatchObject({ status: "succeeded", output: "still here" });

    const again = await cancelThrough(b, id, tenant.token);
    expect(again.status).toBe(409);
    expect(again.body.error).toMatchObject({ code: "CONFLICT", details: { status: "cancelled" } });
  });

  test("another tenant's token on host B cannot cancel a run on A: 404, and the run goes on", async () => {
    const other = await a.tenant("cancel-across-other");
    const scriptId = await a.script({ name: "not-theirs", code: cancellable }, tenant.token);
    const { id, answer } = await runHeldOnA(scriptId, "not-theirs");
    try {
      const refused = await cancelThrough(b, id, other.token);
      expect(refused.status).toBe(404);
      expect(refused.body.error.code).toBe("NOT_FOUND");
      expect(gates.waiting("not-theirs")).toBe(1);
    } finally {
      gates.open("not-theirs");
    }
    expect(await (await answer).json()).toMatchObject({ id, status: "succeeded", output: "through: open" });
  });

  test("a cancel through B of a run on a host gone quiet, or not answering, is a 409 naming that host, and the run goes on", async () => {
    const scriptId = await a.script({ name: "elsewhere", code: cancellable }, tenant.token);
    const { id, answer } = await runHeldOnA(scriptId, "elsewhere");
    // Hosts that went away cost two host starts to make: their rows, and the run's, say so instead.
    const db = createClient({ url: databaseUrl });
    await db.execute("PRAGMA busy_timeout = 5000");
    const onA = (await db.execute({ sql: "SELECT host_id FROM executions WHERE id = ?", args: [id] })).rows[0]!.host_id;
    const refusing = await freedPort();
    const hostAt = (hostId: string) => db.execute({ sql: "UPDATE executions SET host_id = ? WHERE id = ?", args: [hostId, id] });
    try {
      await db.execute({
        sql: "INSERT INTO hosts (id, peer_address, seen_at) VALUES (?, ?, ?), (?, ?, ?)",
        args: [
          "not-answering:8787",
          `127.0.0.1:${refusing}`,
          new Date().toISOString(),
          "gone-quiet:8787",
          "127.0.0.1:1",
          new Date(Date.now() - 5 * 60_000).toISOString(),
        ],
      });
      await hostAt("not-answering:8787");
      const unreachable = await cancelThrough(b, id, tenant.token);
      expect(unreachable.status).toBe(409);
      expect(unreachable.body.error).toMatchObject({ code: "CONFLICT", details: { status: "running", hostId: "not-answering:8787" } });
      expect(unreachable.body.error.message).toBe(`execution ${id} runs on host not-answering:8787, which this one cannot reach now: try again in a moment`);

      await hostAt("gone-quiet:8787");
      const gone = await cancelThrough(b, id, tenant.token);
      expect(gone.status).toBe(409);
      expect(gone.body.error).toMatchObject({ code: "CONFLICT", details: { status: "running", hostId: "gone-quiet:8787" } });
      expect(gone.body.error.message).toContain(`execution ${id} runs on host gone-quiet:8787, which has not said it is up for over 90 s`);
      expect(gates.waiting("elsewhere")).toBe(1);
    } finally {
      await hostAt(String(onA));
      db.close();
      gates.open("elsewhere");
    }
    expect(await (await answer).json()).toMatchObject({ id, status: "succeeded", output: "through: open" });
  });

  test("a live view through B of a run whose host went away ends with the record", async () => {
    const scriptId = await a.script({ name: "host-goes", code: waiter, timeoutMs: 1500 }, tenant.token);
    const { id } = await runHeldOnA(scriptId, "never");
    const response = await openStream(b, id, tenant.token);
    expect(response.status).toBe(200);
    const events: { event: string; data: any }[] = [];
    let crashed = false;
    for await (const { event, data } of serverSentEvents(response.body!)) {
      events.push({ event, data: JSON.parse(data) });
      if (!crashed && event === "progress") {
        crashed = true;
        await a.crash();
      }
    }
    const end = events.at(-1)!;
    expect(end.event).toBe("end");
    expect(end.data).toMatchObject({ id, status: "interrupted", error: { code: "LOST" } });
    expect(events.filter((e) => e.event === "log").map((e) => e.data.message)).toEqual([`waiting on ${gates.url("never")}`]);
  }, 60_000);
});
