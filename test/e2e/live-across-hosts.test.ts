// Two hosts on one database (LIBSQL_URL, one secrets key): a live view opened through host B of a
// run on host A's runners gets A's log lines and progress while the run is still going, because B
// asks A for them (signed with a key from the shared secrets key); the tenant check stays B's,
// A's peer listener answers no one unsigned, and a view of a run whose host is gone ends with the
// record.
import { randomBytes } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { serverSentEvents } from "../../protocol/sse.ts";
import { startGates, waitFor } from "../support/gates.ts";
import { System } from "../support/system.ts";

let a: System;
let b: System;
let gates: Awaited<ReturnType<typeof startGates>>;
let tenant: { slug: string; token: string };

beforeAll(async () => {
  gates = await startGates();
  const shared = join(await mkdtemp(join(tmpdir(), "iota-live-across-")), "platform.db");
  const env = {
    LIBSQL_URL: `file:${shared}`,
    IOTA_SECRETS_KEY: randomBytes(32).toString("base64"),
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
    // It serves live state only: the host's database side door is not behind it.
    expect((await fetch(`http://${address}/db/query`, { method: "POST", body: "{}" })).status).toBe(404);
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
