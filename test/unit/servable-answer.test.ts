// The dispatcher's last line: whatever answer envelope comes out of a tenant's isolate, an
// endpoint serves a well-formed answer or says plainly why it cannot.
import { describe, expect, test } from "vitest";
import { servable, type ResponseEnvelope } from "../../protocol/http-envelope.ts";

const ok = { status: 200, headers: [["content-type", "text/plain"]], body: "hello", bodyEncoding: "utf8" };

describe("servable", () => {
  test("takes a well-formed answer as it is", () => {
    const served = servable({ ...ok, status: 201, headers: [...ok.headers, ["set-cookie", "a=b"]] } as ResponseEnvelope);
    expect(typeof served).toBe("object");
    const { status, headers, body } = served as Exclude<typeof served, string>;
    expect({ status, headers: [...headers], body: new TextDecoder().decode(body!) }).toEqual({
      status: 201,
      headers: [
        ["content-type", "text/plain"],
        ["set-cookie", "a=b"],
      ],
      body: "hello",
    });
    expect(servable({ ...ok, body: "AP+A", bodyEncoding: "base64" } as ResponseEnvelope)).toMatchObject({ body: new Uint8Array([0, 255, 128]) });
  });

  test.each([
    ["a status past 599", { ...ok, status: 99999 }, /status is not from 200 to 599/],
    ["a status below 200", { ...ok, status: 101 }, /status/],
    ["a status that is not a whole number", { ...ok, status: 200.5 }, /status/],
    ["a status that is not a number", { ...ok, status: "200" }, /status/],
    ["headers that are not a list", { ...ok, headers: { a: "b" } }, /headers are not a list/],
    ["a header that is not a pair", { ...ok, headers: [["a"]] }, /not a name and a value/],
    ["a header value that is not text", { ...ok, headers: [["a", 1]] }, /not a name and a value/],
    ["a header name HTTP cannot carry", { ...ok, headers: [["bad name", "x"]] }, /"bad name" is not valid HTTP/],
    ["a header value with a line break", { ...ok, headers: [["x-a", "1\r\nset-cookie: a=b"]] }, /"x-a" is not valid HTTP/],
    ["a body that is not text", { ...ok, body: 42 }, /body is not text or base64/],
    ["an unknown body encoding", { ...ok, bodyEncoding: "gzip" }, /body is not text or base64/],
    ["a body that is not base64", { ...ok, body: "*** not base64", bodyEncoding: "base64" }, /not valid base64/],
  ])("refuses %s, saying why", (_, envelope, why) => {
    const served = servable(envelope as unknown as ResponseEnvelope);
    expect(typeof served).toBe("string");
    expect(served).toMatch(why);
  });
});
