// What a script may do on either build beyond endpoints: be called by a platform service
// (embedded) for its value, read its tenant's secrets (masked in what is kept), be stopped at its
// timeout, be tried as a draft on its recent runs, and be cancelled while it runs, its signal
// aborting and its cleanup kept.
import { describe, expect, test } from "vitest";
import { serverSentEvents } from "../../protocol/sse.ts";
import type { SharedWorld } from "./system-under-test.ts";

export function kinds(world: () => SharedWorld): void {
  describe("embedded calls, secrets, timeouts, drafts and cancels", () => {
    test("an embedded script's value is the calling service's answer, recorded as an embedded run", async () => {
      const { acme, system } = world();
      await system.script({ name: "price", kind: "embedded", code: "export default async (i) => ({ total: i.qty * 7 })" }, acme.owner);
      const r = await system.api("POST", "/api/invoke/price", { qty: 3 }, { token: acme.owner });
      expect({ status: r.status, body: r.body }).toEqual({ status: 200, body: { total: 21 } });
      const execution = await system.api("GET", `/admin/api/executions/${r.headers.get("x-iota-execution-id")}`, undefined, { token: acme.owner });
      expect(execution.body).toMatchObject({ status: "succeeded", trigger: "embedded", input: { qty: 3 }, output: { total: 21 } });
    });

    test("a script reads its own tenant's secret, which is masked in its output and logs; another tenant's script gets none", async () => {
      const { acme, globex, system } = world();
      expect((await system.api("PUT", "/admin/api/secrets/API_KEY", { value: "sk-live-4f9a2c" }, { token: acme.owner })).status).toBeLessThan(300);
      const code = `export default async (input, ctx) => {
        const key = await ctx.secrets.get("API_KEY");
        console.log("using " + key);
        return { length: key?.length ?? 0, key, other: await ctx.secrets.get("NOT_SET") };
      }`;
      const mine = await system.run(await system.script({ name: "uses-key", code }, acme.owner), null, acme.owner);
      expect(mine.body).toMatchObject({ status: "succeeded", output: { length: 14, key: "***", other: null } });
      expect(mine.body.logs.map((l: { message: string }) => l.message)).toEqual(["using ***"]);
      const theirs = await system.run(await system.script({ name: "uses-key", code }, globex), null, globex);
      expect(theirs.body).toMatchObject({ status: "succeeded", output: { length: 0, key: null, other: null } });
    });

    test("a script still waiting at its timeout is stopped and recorded timed out", async () => {
      const { acme, system } = world();
      const id = await system.script(
        { name: "never-done", timeoutMs: 1000, code: `export default async (input, ctx) => { ctx.log.info("waiting"); await new Promise(() => {}); }` },
        acme.owner,
      );
      const r = await system.run(id, null, acme.owner);
      expect(r.body).toMatchObject({ status: "timed_out", errorCode: "TIMEOUT", output: null });
      expect(r.body.logs.map((l: { message: string }) => l.message)).toEqual(["waiting"]);
    });

    test("a draft tried on the script's recent runs gets a verdict per input; its writes are captured, never made", async () => {
      const { acme, system } = world();
      const id = await system.script({ name: "pricing", code: "export default async (input) => ({ total: input.qty * 10 })" }, acme.owner);
      for (const qty of [1, 2]) expect((await system.run(id, { qty }, acme.owner)).body.status).toBe("succeeded");
      const draft = `export default async (input, ctx) => {
        await ctx.kv.put("tried-" + input.qty, true);
        return { total: input.qty === 2 ? 19 : input.qty * 10 };
      }`;
      const tried = await system.api("POST", `/admin/api/scripts/${id}/try`, { code: draft }, { token: acme.owner });
      expect(tried.status).toBe(200);
      expect(tried.body.summary).toEqual({ total: 2, same: 1, different: 1, failed: 0, fixed: 0, effects: 2 });
      expect(tried.body.runs.map((r: { effects: { call: string }[] }) => r.effects.map((e) => e.call))).toEqual([["kv.put"], ["kv.put"]]);
      const reader = await system.script(
        { name: "reads-tried", code: `export default async (i, ctx) => (await ctx.kv.list({ prefix: "tried-" })).keys` },
        acme.owner,
      );
      expect((await system.run(reader, null, acme.owner)).body).toMatchObject({ status: "succeeded", output: [] });
    });

    test('a running script cancelled through the API: its signal aborts with "cancelled", its cleanup line is kept', async () => {
      const { acme, system } = world();
      const id = await system.script(
        {
          name: "cancellable",
          timeoutMs: 60_000,
          code: `export default async (input, ctx) => {
            ctx.signal.addEventListener("abort", () => ctx.log.warn("aborted: " + ctx.signal.reason.message));
            ctx.log.info("started");
            await new Promise(() => {});
          }`,
        },
        acme.owner,
      );
      const run = await system.api("POST", `/admin/api/scripts/${id}/runs`, { mode: "async" }, { token: acme.owner });
      expect(run.status).toBe(202);
      // Its first live line says it is running its code: the cancel reaches a script under way.
      const stream = await fetch(`${system.baseUrl}/admin/api/executions/${run.body.id}/stream`, { headers: { authorization: `Bearer ${acme.owner}` } });
      let cancelled: { status: number; body: any } | undefined;
      for await (const { event } of serverSentEvents(stream.body!)) {
        if (event === "log" && !cancelled)
          cancelled = await system.api("POST", `/admin/api/executions/${run.body.id}/cancel`, undefined, { token: acme.owner });
        if (event === "end") break;
      }
      expect(cancelled?.status).toBe(200);
      expect(cancelled?.body).toMatchObject({ status: "cancelled", errorCode: "CANCELLED", output: null });
      expect(cancelled?.body.error.message).toMatch(/^cancelled by acme-owner \(tok_[0-9a-z]+\) while it ran$/);
      expect(cancelled?.body.logs.map((l: { message: string }) => l.message)).toEqual(["started", "aborted: cancelled"]);
    });
  });
}
