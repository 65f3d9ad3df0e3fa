// Adversarial scripts: what a hostile tenant tries, and what must never work. A recording
// server on loopback stands in for every internal service; it must see zero connections.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startRecordingServer } from "../support/recording-server.ts";
import { System } from "../support/system.ts";

let system: System;
let internal: Awaited<ReturnType<typeof startRecordingServer>>;
let attacker: { slug: string; token: string };
let victim: { slug: string; token: string };

beforeAll(async () => {
  internal = await startRecordingServer();
  system = await System.start();
  attacker = await system.tenant("mallory");
  victim = await system.tenant("victim");
});
afterAll(async () => {
  await system?.destroy();
  await internal?.close();
});

async function run(code: string, token = attacker.token, input: unknown = null) {
  const id = await system.script({ name: `a-${Math.random().toString(36).slice(2, 9)}`, code }, token);
  return (await system.run(id, input, token)).body;
}

describe("escape attempts", () => {
  test("constructor chains on ctx and the SDK lead to no code generation and no host objects", async () => {
    const e = await run(`export default async (input, ctx) => {
      const tries = {
        viaLog: () => ctx.log.info.constructor("return globalThis")(),
        viaSdk: () => ctx.sdk.clients.list.constructor("return this")(),
        viaKv: () => ctx.kv.get.constructor.constructor("return process")(),
        viaAsync: () => (async () => {}).constructor("return 1")(),
        viaProto: () => Object.getPrototypeOf(ctx.sdk).constructor.constructor("return 1")(),
      };
      const out = {};
      for (const [k, f] of Object.entries(tries)) { try { out[k] = typeof f(); } catch (e) { out[k] = e.name; } }
      return out;
    }`);
    expect(e.output).toEqual({ viaLog: "EvalError", viaSdk: "EvalError", viaKv: "EvalError", viaAsync: "EvalError", viaProto: "EvalError" });
  });

  test("no file system, process, native modules or dynamic import of anything else", async () => {
    const e = await run(`export default async () => {
      const attempts = ["node:fs", "fs", "node:child_process", "node:net", "node:module", "node:os", "./harness.js", "data:text/javascript,export default 1", "https://example.com/x.js"];
      const out = {};
      for (const m of attempts) { try { const mod = await import(m); out[m] = Object.keys(mod).join(","); } catch { out[m] = "refused"; } }
      // workerd always offers node:process; with no Node layer it holds nothing of the host's.
      const p = await import("node:process");
      const builtins = ["node:fs", "node:child_process", "node:net", "node:os", "node:vm"].map((m) => typeof p.getBuiltinModule(m));
      return { out, env: p.env, builtins, process: typeof process, require: typeof require, Deno: typeof Deno, Bun: typeof Bun };
    }`);
    const loaded = Object.entries(e.output.out).filter(([, v]) => v !== "refused");
    // The harness module is the only one besides the script's own; see the next test.
    expect(loaded).toEqual([["./harness.js", "default"]]);
    expect(e.output).toMatchObject({
      env: {},
      builtins: ["undefined", "undefined", "undefined", "undefined", "undefined"],
      process: "undefined",
      require: "undefined",
      Deno: "undefined",
      Bun: "undefined",
    });
  });

  test("process.exit ends only the script's own execution", async () => {
    const e = await run(`export default async () => { (await import("node:process")).exit(1); return "still here"; }`);
    expect(e).toMatchObject({ status: "failed", error: { message: expect.stringContaining("process.exit") } });
    expect((await run("export default () => 'runner fine'")).output).toBe("runner fine");
  });

  test("raw sockets reach nothing", async () => {
    const e = await run(
      `export default async (port) => {
      const { connect } = await import("cloudflare:sockets");
      try { const s = connect({ hostname: "127.0.0.1", port }); await s.opened; const r = await s.readable.getReader().read(); return "read " + r.done; } catch (e) { return "refused"; }
    }`,
      attacker.token,
      internal.port,
    );
    expect(e.output).toBe("refused");
    expect(internal.connections).toBe(0);
  });

  test("the harness's entrypoint cannot be turned against the platform", async () => {
    const e = await run(`import Harness from "./harness.js";
      export default async (input, ctx) => {
        try { const h = new Harness(); return typeof h.env?.SDK; } catch (e) { return e.name; }
      }`);
    expect(["TypeError", "undefined"]).toContain(e.output);
  });

  test("prototype pollution is refused and never reaches the next execution", async () => {
    const id = await system.script(
      {
        name: "polluter",
        code: `export default (input) => {
      const out = {};
      try { Object.prototype.isAdmin = true; out.set = "yes"; } catch (e) { out.set = e.name; }
      try { Array.prototype.push = () => 0; out.push = "replaced"; } catch (e) { out.push = e.name; }
      try { JSON.parse = () => ({ pwned: true }); out.json = "replaced"; } catch (e) { out.json = e.name; }
      out.seen = ({}).isAdmin === true;
      return out;
    }`,
      },
      attacker.token,
    );
    const first = (await system.run(id, null, attacker.token)).body.output;
    expect(first).toEqual({ set: "TypeError", push: "TypeError", json: "TypeError", seen: false });
    const other = await run(`export default () => ({ admin: ({}).isAdmin ?? null, json: JSON.parse('{"a":1}') })`);
    expect(other.output).toEqual({ admin: null, json: { a: 1 } });
  });

  test("a script cannot forge log lines or another execution's records", async () => {
    const e = await run(`export default async () => {
      console.log("\\u001e0000 exe_forged L{\\"level\\":\\"error\\",\\"message\\":\\"forged\\",\\"at\\":\\"x\\"}");
      return "done";
    }`);
    expect(e.logs).toHaveLength(1);
    expect(e.logs[0].message).toContain("exe_forged");
    expect(e.logs[0].level).toBe("info");
  });
});

describe("cross-tenant access through the SDK", () => {
  test("every entity, kv and secrets stay within the tenant", async () => {
    const seeded = await run(
      `export default async (i, ctx) => {
        const ids = {};
        ids.client = (await ctx.sdk.clients.create({ firstName: "V" })).id;
        ids.account = (await ctx.sdk.accounts.create({ name: "V", currency: "EUR" })).id;
        ids.payment = (await ctx.sdk.payments.create({ amount: 1, currency: "EUR" })).id;
        ids.expense = (await ctx.sdk.expenses.create({ amount: 1, currency: "EUR" })).id;
        ids.transaction = (await ctx.sdk.transactions.create({ amount: 1, currency: "EUR", type: "deposit" })).id;
        await ctx.kv.put("victim-key", "victim-value");
        return ids;
      }`,
      victim.token,
    );
    await system.api("PUT", "/admin/api/secrets/VICTIM_SECRET", { value: "victim-secret-value" }, { token: victim.token });
    const e = await run(
      `export default async (ids, ctx) => {
        const out = {};
        const repos = { client: "clients", account: "accounts", payment: "payments", expense: "expenses", transaction: "transactions" };
        for (const [k, repo] of Object.entries(repos)) {
          out[k + ".get"] = await ctx.sdk[repo].get(ids[k]);
          out[k + ".list"] = (await ctx.sdk[repo].list({ limit: 500 })).items.filter((x) => x.id === ids[k]).length;
          try { await ctx.sdk[repo].update(ids[k], { comment: "x" }); out[k + ".update"] = "changed"; } catch (e) { out[k + ".update"] = e.code; }
        }
        out.kv = await ctx.kv.get("victim-key");
        out.secret = await ctx.secrets.get("VICTIM_SECRET");
        out.users = (await ctx.sdk.users.list()).items.map((u) => u.username);
        return out;
      }`,
      attacker.token,
      seeded.output,
    );
    for (const k of ["client", "account", "payment", "expense", "transaction"]) {
      expect(e.output[`${k}.get`]).toBeNull();
      expect(e.output[`${k}.list`]).toBe(0);
      expect(["NOT_FOUND", "VALIDATION_FAILED"]).toContain(e.output[`${k}.update`]);
    }
    expect(e.output.kv).toBeNull();
    expect(e.output.secret).toBeNull();
  });

  test("patching what the harness uses (AsyncLocalStorage, Request, the SDK stub) shows a script no other run's key", async () => {
    const e = await run(`import { env } from "cloudflare:workers";
      import { AsyncLocalStorage } from "node:async_hooks";
      export default async (i, ctx) => {
        const seen = [];
        try { const own = AsyncLocalStorage.prototype.getStore; AsyncLocalStorage.prototype.getStore = function () { const s = own.call(this); if (s) seen.push("sink"); return s; }; } catch {}
        try { const Own = Request; globalThis.Request = function (...a) { seen.push("request"); return new Own(...a); }; } catch {}
        try { Object.defineProperty(env.SDK, "call", { value: async () => { seen.push("call"); return { ok: true, value: "forged" }; } }); } catch {}
        await ctx.kv.put("patched", 1);
        const value = await ctx.kv.get("patched");
        console.log("still logging");
        await fetch("http://127.0.0.1:1/").catch(() => undefined);
        return { seen, value };
      }`);
    expect(e.output).toEqual({ seen: [], value: 1 });
    expect(e.logs.map((l: { message: string }) => l.message)).toContain("still logging");
  });

  test("a script cannot call the SDK capability itself, as any execution, nor replace it for the harness", async () => {
    const e = await run(`import { env } from "cloudflare:workers";
      export default async (i, ctx) => {
        const own = await env.SDK.call(ctx.executionId, "guessed-key", "secrets.get", ["VICTIM_SECRET"]);
        const forged = await env.SDK.call("exe_forged", "", "events.publish", ["loop.ping", {}]);
        let replaced = "kept";
        try { env.SDK = { call: async () => ({ ok: true, value: "intercepted" }) }; } catch { replaced = "refused"; }
        const viaCtx = await ctx.kv.get("nothing-here");
        return { own, forged, props: Object.keys(env), viaCtx };
      }`);
    expect(e.output.own).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    expect(e.output.forged).toMatchObject({ ok: false, error: { code: "FORBIDDEN" } });
    expect(e.output.props).toEqual(["SDK"]);
    // Whatever the script did to env, ctx still reaches the platform's SDK.
    expect(e.output.viaCtx).toBeNull();
  });
});

describe("SSRF", () => {
  test("no spelling of an internal address reaches it, before or after DNS, directly or via redirects", async () => {
    const port = internal.port;
    const targets = [
      `http://127.0.0.1:${port}/`,
      `http://localhost:${port}/`,
      `http://localhost.:${port}/`,
      `http://127.1:${port}/`,
      `http://2130706433:${port}/`,
      `http://0x7f000001:${port}/`,
      `http://0177.0.0.1:${port}/`,
      `http://[::1]:${port}/`,
      `http://[::ffff:127.0.0.1]:${port}/`,
      `http://[::ffff:7f00:1]:${port}/`,
      `http://0.0.0.0:${port}/`,
      `http://0:${port}/`,
      `http://user@127.0.0.1:${port}/`,
      `http://example.com@127.0.0.1:${port}/`,
      `http://127.0.0.1:${port}#@example.com/`,
      `http://LOCALHOST:${port}/`,
      `http://%31%32%37.0.0.1:${port}/`,
      `http://169.254.169.254/latest/meta-data/`,
      `http://metadata.google.internal/`,
      `http://10.0.0.1/`,
      `http://192.168.1.1/`,
      `http://172.16.0.1/`,
      `http://100.64.0.1/`,
      `http://[fd00::1]/`,
      `http://[fe80::1]/`,
      `http://127.0.0.1.nip.io:${port}/`,
      `ftp://127.0.0.1:${port}/`,
      `file:///etc/passwd`,
      `gopher://127.0.0.1:${port}/`,
    ];
    const e = await run(
      `export default async (targets) => {
        const out = {};
        for (const t of targets) {
          try { const r = await fetch(t, { signal: AbortSignal.timeout(5000) }); out[t] = "reached " + r.status; } catch (e) { out[t] = "refused: " + e.message; }
        }
        return out;
      }`,
      attacker.token,
      targets,
    );
    const reached = Object.entries(e.output).filter(([, v]) => String(v).startsWith("reached"));
    expect(reached).toEqual([]);
    expect(internal.connections).toBe(0);
    expect(e.outbound.length).toBeGreaterThan(0);
  }, 60_000);
});

describe("findings of the external review, kept fixed", () => {
  test("a script cannot patch the harness to write into another execution's record", async () => {
    const victimId = await system.script(
      { name: "victim-run", code: "export default async () => { await new Promise((r) => setTimeout(r, 1500)); return 'mine'; }" },
      victim.token,
    );
    const victimRun = system.run(victimId, null, victim.token);
    const e = await run(`import Harness from "./harness.js";
      export default async () => {
        const out = {};
        try { Harness.prototype.run = () => 1; out.patched = "yes"; } catch (e) { out.patched = e.name; }
        try { Object.getPrototypeOf(Harness.prototype).fetch = () => 1; out.base = "yes"; } catch (e) { out.base = e.name; }
        console.log("\u001eanything exe_x.key L{}");
        return out;
      }`);
    expect(e.output).toEqual({ patched: "TypeError", base: "TypeError" });
    const v = (await victimRun).body;
    expect(v).toMatchObject({ status: "succeeded", output: "mine", logs: [] });
  });

  test("an endpoint's page is sandboxed and sets no cookies on the platform's origin", async () => {
    await system.script(
      {
        name: "page",
        kind: "http",
        path: "/page",
        methods: ["GET"],
        access: "public",
        code: `export default () => new Response("<script>fetch('/admin/api/me')</script>", { headers: { "content-type": "text/html", "set-cookie": "iota_session=attacker; Path=/" } })`,
      },
      attacker.token,
    );
    const r = await fetch(`${system.baseUrl}/api/tenants/mallory/scripts/page`);
    expect(r.status).toBe(200);
    expect(r.headers.get("set-cookie")).toBeNull();
    expect(r.headers.get("content-security-policy")).toMatch(/^sandbox/);
  });

  test("ctx.events.publish has the intake's 1 MB cap", async () => {
    const e = await run(
      `export default async (i, ctx) => { try { await ctx.events.publish("big.one", { blob: "x".repeat(2 * 1024 * 1024) }); return "accepted"; } catch (e) { return e.code; } }`,
    );
    expect(["VALIDATION_FAILED", "PAYLOAD_TOO_LARGE"]).toContain(e.output);
  });

  test("an admin cannot revoke the owner's token; an owner cannot pull the platform admin in", async () => {
    const owner = await system.tenant("revokers");
    const admin = (await system.api("POST", "/admin/api/tokens", { name: "an admin", role: "admin" }, { token: owner.token })).body.token;
    const ownerTokenId = (await system.api("GET", "/admin/api/tokens", undefined, { token: owner.token })).body.items.find(
      (t: { role: string }) => t.role === "owner",
    ).id;
    expect((await system.api("DELETE", `/admin/api/tokens/${ownerTokenId}`, undefined, { token: admin })).status).toBe(403);
    expect((await system.api("GET", "/admin/api/me", undefined, { token: owner.token })).status).toBe(200);
    // Answered like any name without a password (it must not tell whose it is), and not added.
    expect((await system.api("POST", "/admin/api/users", { username: "admin", role: "viewer" }, { token: owner.token })).status).toBe(422);
    expect((await system.api("GET", "/admin/api/users", undefined, { token: owner.token })).body.items).toEqual([]);
  });
});
