// What survives the host stopping: everything stored, after a clean stop or a kill -9.
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { System } from "../support/system.ts";

let system: System;
// A loopback gate a script waits at until the test opens it: a run that must still be going
// after a slow step (a host restart) waits for the test, not for a guess at how long it takes.
let gate: Server;
const waitingAtGate: ServerResponse[] = [];

beforeAll(async () => {
  gate = createServer((_req, res) => void waitingAtGate.push(res));
  await new Promise<void>((resolve) => gate.listen(0, "127.0.0.1", resolve));
  // Runs left "running" by a crashed dispatcher are closed 2 s past their deadline here.
  system = await System.start({ env: { IOTA_LOST_RUN_GRACE_MS: "2000", IOTA_EGRESS_ALLOW: `127.0.0.1:${(gate.address() as AddressInfo).port}` } });
});
afterAll(async () => {
  await system?.destroy();
  gate?.closeAllConnections();
  gate?.close();
});

// A host start takes about 10 s quiet and 30 s or more on a loaded 2-core machine. A test that
// timed out mid-restart would leave that restart going under the next test (seen once: the next
// test's host stopped under it), so every test here gets time for its restarts.
describe("a restart of the host", { timeout: 150_000 }, () => {
  test("keeps every script, version, token and execution", async () => {
    const tenant = await system.tenant("keeper");
    const id = await system.script({ name: "durable", code: "export default (i) => i + 1;", tags: { team: "ops" } }, tenant.token);
    await system.api("PATCH", `/admin/api/scripts/${id}`, { code: "export default (i) => i + 2;", message: "second" }, { token: tenant.token });
    const run = await system.run(id, 40, tenant.token);
    expect(run.body.output).toBe(42);
    const before = {
      script: (await system.api("GET", `/admin/api/scripts/${id}`, undefined, { token: tenant.token })).body,
      versions: (await system.api("GET", `/admin/api/scripts/${id}/versions`, undefined, { token: tenant.token })).body,
      execution: (await system.api("GET", `/admin/api/executions/${run.body.id}`, undefined, { token: tenant.token })).body,
    };

    await system.restart();

    expect((await system.api("GET", `/admin/api/scripts/${id}`, undefined, { token: tenant.token })).body).toEqual(before.script);
    expect((await system.api("GET", `/admin/api/scripts/${id}/versions`, undefined, { token: tenant.token })).body).toEqual(before.versions);
    expect((await system.api("GET", `/admin/api/executions/${run.body.id}`, undefined, { token: tenant.token })).body).toEqual(before.execution);
    expect(before.versions.items).toHaveLength(2);
    expect((await system.run(id, 1, tenant.token)).body.output).toBe(3);
  });

  test("after kill -9 mid-run, the run is recorded as interrupted and the platform serves again", async () => {
    const id = await system.script({
      name: "caught-mid-run",
      code: "export default async () => { console.log('working'); await new Promise((r) => setTimeout(r, 20_000)); return 'done'; }",
    });
    const started = await system.api("POST", `/admin/api/scripts/${id}/runs`, { mode: "async" });
    expect(started.status).toBe(202);
    // Wait until the run is really under way before pulling the plug.
    for (let i = 0; i < 100; i++) {
      const e = await system.api("GET", `/admin/api/executions/${started.body.id}`);
      if (e.body.status === "running") break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await system.crash();
    // Same port: the crashed host's workerd processes must be gone, not holding it.
    await system.boot();
    const e = await system.api("GET", `/admin/api/executions/${started.body.id}`);
    expect(e.body).toMatchObject({ status: "interrupted", error: { code: "HOST_RESTARTED" } });
    expect(e.body.finishedAt).not.toBeNull();
    const quick = await system.script({ name: "after-crash", code: "export default () => 'serving';" });
    expect((await system.run(quick, null)).body).toMatchObject({ status: "succeeded", output: "serving" });
  });

  test("a host restarting on a shared database closes only its own runs, not another host's", async () => {
    const other = await System.start({ dataDir: system.dataDir, token: system.token });
    try {
      const port = (gate.address() as AddressInfo).port;
      const id = await system.script({
        name: "keeps-going",
        // Held across a host start, which may take longer than the default 30 s timeout.
        timeoutMs: 120_000,
        code: `export default async () => { await (await fetch("http://127.0.0.1:${port}/hold")).text(); return 'finished'; }`,
      });
      const started = await system.api("POST", `/admin/api/scripts/${id}/runs`, { mode: "async" });
      expect(started.body.status).toBe("running");
      for (let i = 0; i < 200 && waitingAtGate.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(waitingAtGate).toHaveLength(1);
      await other.restart();
      expect((await system.api("GET", `/admin/api/executions/${started.body.id}`)).body.status).toBe("running");
      for (const res of waitingAtGate.splice(0)) res.end("open");
      expect(await system.waitForExecution(started.body.id, 20_000)).toMatchObject({ status: "succeeded", output: "finished" });
    } finally {
      await other.stop();
    }
  });

  test("a live run is never closed as lost, even when its script's timeout is lowered under it", async () => {
    const id = await system.script({
      name: "long-lived",
      timeoutMs: 20_000,
      code: "export default async () => { await new Promise((r) => setTimeout(r, 4500)); return 'lived'; }",
    });
    const started = await system.api("POST", `/admin/api/scripts/${id}/runs`, { mode: "async" });
    expect(started.body.status).toBe("running");
    await system.api("PATCH", `/admin/api/scripts/${id}`, { timeoutMs: 1000 });
    // Past the new timeout plus the 2 s grace of this file's host, but not past its own 20 s.
    await new Promise((r) => setTimeout(r, 3500));
    expect((await system.api("GET", `/admin/api/executions/${started.body.id}`)).body.status).toBe("running");
    expect(await system.waitForExecution(started.body.id, 20_000)).toMatchObject({ status: "succeeded", output: "lived" });
  });

  test("a run whose dispatcher was killed under it is closed as lost after its deadline, freeing its slot", async () => {
    const tenant = await system.tenant("orphans");
    await system.api("PATCH", "/admin/api/tenants/orphans", { maxConcurrency: 1 });
    const id = await system.script(
      { name: "orphan", timeoutMs: 1000, code: "export default async () => { await new Promise((r) => setTimeout(r, 5000)); }" },
      tenant.token,
    );
    const started = await system.api("POST", `/admin/api/scripts/${id}/runs`, { mode: "async" }, { token: tenant.token });
    expect(started.body.status).toBe("running");
    const [dispatcher] = system.childPids("dispatcher.capnp");
    expect(dispatcher).toBeDefined();
    process.kill(dispatcher!, "SIGKILL");
    // The host starts the dispatcher again; until the lost run is closed the tenant is at its limit.
    let e: { status: string; error: { code: string } | null } = { status: "unknown", error: null };
    for (let i = 0; i < 150 && e.status !== "interrupted"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const r = await system.api("GET", `/admin/api/executions/${started.body.id}`, undefined, { token: tenant.token }).catch(() => undefined);
      if (r?.status === 200) e = r.body;
    }
    expect(e).toMatchObject({ status: "interrupted", error: { code: "LOST" } });
    expect((await system.api("GET", "/admin/api/usage", undefined, { token: tenant.token })).body).toMatchObject({ running: 0 });
    const next = await system.script({ name: "after-orphan", code: "export default () => 'room again'" }, tenant.token);
    expect((await system.run(next, null, tenant.token)).body).toMatchObject({ status: "succeeded", output: "room again" });
  });

  test("after kill -9 at a busy moment, every accepted event is still delivered", async () => {
    const tenant = await system.tenant("at-least-once");
    await system.api("PATCH", "/admin/api/tenants/at-least-once", { maxConcurrency: 3 });
    const id = await system.script(
      {
        name: "slow-consumer",
        kind: "event",
        events: ["order.placed"],
        maxAttempts: 5,
        code: "export default async (e) => { await new Promise((r) => setTimeout(r, 700)); return e.payload.n; }",
      },
      tenant.token,
    );
    const total = 12;
    for (let n = 0; n < total; n++) {
      const r = await system.api("POST", "/api/events", { id: `order-${n}`, type: "order.placed", payload: { n } }, { token: tenant.token });
      expect(r.status).toBe(202);
    }
    // Some deliveries are running, most are waiting behind the quota: pull the plug now.
    await new Promise((r) => setTimeout(r, 300));
    await system.crash();
    await system.boot();
    const deadline = Date.now() + 40_000;
    let delivered = new Set<number>();
    while (Date.now() < deadline) {
      const items = (await system.api("GET", `/admin/api/executions?scriptId=${id}&status=succeeded&limit=200`, undefined, { token: tenant.token })).body.items;
      const outputs = await Promise.all(
        items.map(async (e: { id: string }) => (await system.api("GET", `/admin/api/executions/${e.id}`, undefined, { token: tenant.token })).body.output),
      );
      delivered = new Set(outputs as number[]);
      if (delivered.size === total) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect([...delivered].sort((a, b) => a - b)).toEqual([...Array(total).keys()]);
    const interrupted = (await system.api("GET", `/admin/api/executions?scriptId=${id}&status=interrupted`, undefined, { token: tenant.token })).body.items;
    expect(interrupted.length).toBeGreaterThan(0);
  });
});
