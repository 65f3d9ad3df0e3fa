// IOTA_DISPATCHERS=n: n dispatcher processes share the public port, so the product can use more
// than the one core a workerd process runs JavaScript on. Both take calls, and a crashed one
// brings the group back on the same port.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { processTicks } from "../../bench/proc.ts";
import { System } from "../support/system.ts";

let system: System;

beforeAll(async () => {
  system = await System.start({ env: { IOTA_DISPATCHERS: "2", TENANT_CONCURRENCY: "64", GLOBAL_CONCURRENCY: "128" } });
});
afterAll(async () => {
  await system?.destroy();
});

const dispatchers = () => system.childPids("dispatcher.capnp").filter((pid) => processTicks(pid) !== undefined && isWorkerd(pid));

function isWorkerd(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "workerd";
  } catch {
    return false;
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("several dispatchers on one port", () => {
  test("both serve calls, and every call is answered and recorded", async () => {
    const pids = dispatchers();
    expect(pids).toHaveLength(2);
    const id = await system.script({ name: "shared-port", code: "export default (input) => input.n * 2" });
    const before = pids.map((pid) => processTicks(pid)!.own);
    // Connections of their own (no keep-alive), so the kernel deals each to either process.
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, n) =>
        fetch(`${system.baseUrl}/admin/api/scripts/${id}/runs`, {
          method: "POST",
          headers: { authorization: `Bearer ${system.token}`, "content-type": "application/json", connection: "close" },
          body: JSON.stringify({ input: { n }, mode: "sync" }),
        }).then(async (r) => ({ status: r.status, body: (await r.json()) as { id: string; output: number; status: string } })),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    expect(answers.map((a) => a.body.output)).toEqual(answers.map((_, n) => n * 2));
    const used = pids.map((pid, i) => processTicks(pid)!.own - before[i]!);
    // Each process did part of the work: CPU time grew in both.
    expect(used.every((ticks) => ticks > 0)).toBe(true);
    const listed = await system.api("GET", `/admin/api/executions?scriptId=${id}&limit=100`);
    expect(new Set(listed.body.items.map((e: { id: string }) => e.id))).toEqual(new Set(answers.map((a) => a.body.id)));
  });

  test("a dispatcher that crashes is replaced and the port serves again", async () => {
    const [victim] = dispatchers();
    process.kill(victim!, "SIGKILL");
    const replaced = await until(
      "two new dispatcher processes",
      () => {
        const now = dispatchers();
        return now.length === 2 && !now.includes(victim!) ? now : undefined;
      },
      60_000,
    );
    expect(replaced).toHaveLength(2);
    const id = await system.script({ name: "after-crash", code: "export default () => 'still here'" });
    let last: unknown;
    const run = await until("a run to be answered", async () => {
      const r = await system.run(id, null).catch((error: Error) => void (last = error.message));
      last = r ? { status: r.status, body: r.body } : last;
      return r?.status === 200 ? r : undefined;
    }).catch((error: Error) => {
      throw new Error(`${error.message}; last answer ${JSON.stringify(last)}`);
    });
    expect(run.body).toMatchObject({ status: "succeeded", output: "still here" });
  }, 90_000);
});
