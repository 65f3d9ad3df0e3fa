// The dispatcher's last line: whatever answer envelope comes out of a tenant's isolate, an
// endpoint's caller gets a well-formed answer or a plain failure naming the execution.
import { Hono } from "hono";
import { describe, expect, test } from "vitest";
import type { ResponseEnvelope } from "../../protocol/http-envelope.ts";
import { answerEndpoint } from "../../dispatcher/routes/run-answer.ts";
import type { AppEnv } from "../../dispatcher/types.ts";

async function serve(envelope: unknown, method = "GET") {
  const app = new Hono<AppEnv>();
  app.all("/", (c) => answerEndpoint(c, "exe_test", envelope as ResponseEnvelope, method));
  const response = await app.request("/", { method });
  return { status: response.status, headers: response.headers, body: await response.text() };
}

const ok = { status: 200, headers: [["content-type", "text/plain"]], body: "hello", bodyEncoding: "utf8" };

describe("answerEndpoint", () => {
  test("serves a well-formed answer, without cookies and sandboxed", async () => {
    const r = await serve({ ...ok, status: 201, headers: [...ok.headers, ["set-cookie", "a=b"]] });
    expect(r).toMatchObject({ status: 201, body: "hello" });
    expect(r.headers.get("set-cookie")).toBeNull();
    expect(r.headers.get("content-security-policy")).toMatch(/^sandbox/);
    expect(r.headers.get("x-iota-execution-id")).toBe("exe_test");
  });

  test("serves a status that has no body without one", async () => {
    expect(await serve({ ...ok, status: 204 })).toMatchObject({ status: 204, body: "" });
    expect(await serve({ ...ok, status: 304 })).toMatchObject({ status: 304, body: "" });
  });

  test.each([
    ["a status past 599", { ...ok, status: 99999 }],
    ["a status below 200", { ...ok, status: 101 }],
    ["a status that is not a whole number", { ...ok, status: 200.5 }],
    ["a status that is not a number", { ...ok, status: "200" }],
    ["headers that are not a list", { ...ok, headers: { a: "b" } }],
    ["a header that is not a pair", { ...ok, headers: [["a"]] }],
    ["a header value that is not text", { ...ok, headers: [["a", 1]] }],
    ["a header name HTTP cannot carry", { ...ok, headers: [["bad name", "x"]] }],
    ["a header value with a line break", { ...ok, headers: [["x-a", "1\r\nset-cookie: a=b"]] }],
    ["a body that is not text", { ...ok, body: 42 }],
    ["an unknown body encoding", { ...ok, bodyEncoding: "gzip" }],
    ["a body that is not base64", { ...ok, body: "*** not base64", bodyEncoding: "base64" }],
  ])("answers %s with a plain 500 naming the execution", async (_, envelope) => {
    const r = await serve(envelope);
    expect(r.status).toBe(500);
    expect(JSON.parse(r.body)).toEqual({ error: { code: "SCRIPT_ERROR", message: expect.stringMatching(/^the script's response cannot be served: .* \(execution exe_test\)$/) } });
    expect(r.headers.get("x-iota-execution-id")).toBe("exe_test");
  });
});
