// HTTP-endpoint scripts and what history keeps of a run: the request in (method, headers, body,
// path parameters), the script's own status, headers and body out, and a record of the same
// shape on both builds.
import { describe, expect, test } from "vitest";
import type { SharedWorld } from "./system-under-test.ts";

const echo = `export default async (request, ctx) => {
  const url = new URL(request.url);
  console.log("echo " + ctx.params.id);
  const seen = {
    id: ctx.params.id, method: request.method, q: url.searchParams.get("q"), body: await request.text(),
    custom: request.headers.get("x-custom"), type: request.headers.get("content-type"),
    authorization: request.headers.get("authorization"), cookie: request.headers.get("cookie"),
  };
  return new Response(JSON.stringify(seen), { status: 201, headers: { "content-type": "application/json", "x-handled-by": "echo", "set-cookie": "stolen=1" } });
}`;

const logger = `export default async (input, ctx) => {
  ctx.log.info("starting " + input.n);
  console.warn("careful");
  ctx.progress(50, "half");
  return { doubled: input.n * 2 };
}`;

/**
 * A record with what changes from run to run replaced by a placeholder: times, durations, ids
 * and the port the system listens on.
 */
function shape(value: unknown, port: number, key = ""): unknown {
  if (Array.isArray(value)) return value.map((v) => shape(v, port));
  if (value && typeof value === "object")
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, shape((value as Record<string, unknown>)[k], port, k)]),
    );
  if (typeof value === "number" && (key === "durationMs" || key === "ms")) return "<ms>";
  if (typeof value !== "string") return value;
  if (/^\d{4}-\d\d-\d\dT[\d:.]+Z$/.test(value)) return "<time>";
  return value.replace(/\b(exe|scr|tok)_[0-9a-z]+/g, "$1_<id>").replaceAll(`:${port}`, ":<port>");
}

export function endpoints(world: () => SharedWorld): void {
  describe("HTTP endpoints and history", () => {
    test("an endpoint gets the method, headers, body and parameters, and answers its own status, headers and body", async () => {
      const { acme, system } = world();
      await system.script({ name: "echo", kind: "http", path: "/echo/:id", methods: ["GET", "POST"], access: "public", code: echo }, acme.owner);
      const r = await fetch(`${system.baseUrl}/api/tenants/acme/scripts/echo/42?q=shoes`, {
        method: "POST",
        headers: { "content-type": "text/plain", "x-custom": "yes", authorization: "Bearer caller-secret", cookie: "session=caller" },
        body: "hello",
      });
      expect({
        status: r.status,
        handledBy: r.headers.get("x-handled-by"),
        type: r.headers.get("content-type"),
        csp: r.headers.get("content-security-policy"),
        cookie: r.headers.get("set-cookie"),
        body: await r.json(),
      }).toEqual({
        status: 201,
        handledBy: "echo",
        type: "application/json",
        csp: "sandbox; default-src 'none'; frame-ancestors 'none'",
        cookie: null,
        body: { id: "42", method: "POST", q: "shoes", body: "hello", custom: "yes", type: "text/plain", authorization: null, cookie: null },
      });
      const execution = await system.api("GET", `/admin/api/executions/${r.headers.get("x-iota-execution-id")}`, undefined, { token: acme.owner });
      // What the caller sent that the test chose; the rest (user-agent, a proxy's own) is the client's.
      const input = execution.body.input;
      const sent = input.headers.filter(([name]: [string, string]) => ["content-type", "content-length", "x-custom", "authorization", "cookie"].includes(name));
      expect(shape({ ...execution.body, input: { ...input, headers: sent } }, system.port)).toEqual({
        attempt: 1,
        createdAt: "<time>",
        createdBy: null,
        durationMs: "<ms>",
        error: null,
        errorCode: null,
        errorMessage: null,
        finishedAt: "<time>",
        id: "exe_<id>",
        input: {
          body: "hello",
          bodyEncoding: "utf8",
          headers: [
            ["content-length", "5"],
            ["content-type", "text/plain"],
            ["x-custom", "yes"],
          ],
          method: "POST",
          params: { id: "42" },
          url: "http://127.0.0.1:<port>/api/tenants/acme/scripts/echo/42?q=shoes",
        },
        logs: [{ at: "<time>", level: "info", message: "echo 42" }],
        outbound: [],
        output: {
          body: JSON.stringify({ id: "42", method: "POST", q: "shoes", body: "hello", custom: "yes", type: "text/plain", authorization: null, cookie: null }),
          bodyEncoding: "utf8",
          headers: [
            ["content-type", "application/json"],
            ["set-cookie", "stolen=1"],
            ["x-handled-by", "echo"],
          ],
          status: 201,
        },
        progress: null,
        rerunOf: null,
        scriptId: "scr_<id>",
        scriptName: "echo",
        startedAt: "<time>",
        status: "succeeded",
        trigger: "http",
        version: 1,
      });
      // Refusals at the door: wrong method, unknown path.
      const put = await fetch(`${system.baseUrl}/api/tenants/acme/scripts/echo/42`, { method: "PUT", body: "x" });
      const nowhere = await fetch(`${system.baseUrl}/api/tenants/acme/scripts/nowhere`);
      expect({
        put: { status: put.status, allow: put.headers.get("allow"), body: await put.json() },
        nowhere: { status: nowhere.status, body: await nowhere.json() },
      }).toEqual({
        put: {
          status: 405,
          allow: "GET, POST",
          body: { error: { code: "METHOD_NOT_ALLOWED", message: "PUT is not allowed at /echo/42; allowed: GET, POST" } },
        },
        nowhere: { status: 404, body: { error: { code: "NOT_FOUND", message: "no endpoint at /nowhere" } } },
      });
    });

    test("a manual run's record keeps its status, output, logs, progress and trigger", async () => {
      const { acme, system } = world();
      const id = await system.script({ name: "logger", code: logger }, acme.owner);
      const run = await system.api("POST", `/admin/api/scripts/${id}/runs`, { input: { n: 21 }, mode: "sync" }, { token: acme.owner });
      expect(run.status).toBe(200);
      const kept = await system.api("GET", `/admin/api/executions/${run.body.id}`, undefined, { token: acme.owner });
      const record = {
        attempt: 1,
        createdAt: "<time>",
        createdBy: "acme-owner (tok_<id>)",
        durationMs: "<ms>",
        error: null,
        errorCode: null,
        errorMessage: null,
        finishedAt: "<time>",
        id: "exe_<id>",
        input: { n: 21 },
        logs: [
          { at: "<time>", level: "info", message: "starting 21" },
          { at: "<time>", level: "warn", message: "careful" },
        ],
        outbound: [],
        output: { doubled: 42 },
        progress: { message: "half", percent: 50 },
        rerunOf: null,
        scriptId: "scr_<id>",
        scriptName: "logger",
        startedAt: "<time>",
        status: "succeeded",
        trigger: "manual",
        version: 1,
      };
      expect(shape(kept.body, system.port)).toEqual(record);
      expect(shape(run.body, system.port)).toEqual(record);
      const listed = await system.api("GET", `/admin/api/executions?scriptId=${id}`, undefined, { token: acme.owner });
      const { input: _i, output: _o, logs: _l, outbound: _b, progress: _p, error: _e, createdBy: _c, rerunOf: _r, ...summary } = record;
      expect(shape(listed.body, system.port)).toEqual({ items: [summary], nextCursor: null });
    });
  });
}
