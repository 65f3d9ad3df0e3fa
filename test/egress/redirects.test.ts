// How a redirect rewrites the request, and how an execution's request count is kept.
import { describe, expect, test } from "vitest";
import { RequestCounter } from "../../host/egress/limits.ts";
import { redirectedHop, type Hop } from "../../host/egress/redirects.ts";

const post: Hop = {
  method: "POST",
  url: new URL("https://api.example.com/upload"),
  headers: [
    ["Authorization", "Bearer secret"],
    ["Cookie", "session=1"],
    ["Content-Type", "application/json"],
    ["X-Trace", "abc"],
  ],
  body: new TextEncoder().encode('{"a":1}'),
};

describe("a redirect", () => {
  test.each([301, 302, 303])("%i turns into a GET without a body or its content headers", (status) => {
    const next = redirectedHop(post, status, new URL("https://api.example.com/done"));
    expect(next.method).toBe("GET");
    expect(next.body).toBeNull();
    expect(next.headers.map(([n]) => n)).toEqual(["Authorization", "Cookie", "X-Trace"]);
  });

  test.each([307, 308])("%i keeps the method and the body", (status) => {
    const next = redirectedHop(post, status, new URL("https://api.example.com/v2/upload"));
    expect(next.method).toBe("POST");
    expect(next.body).toBe(post.body);
    expect(next.headers).toEqual(post.headers);
  });

  test("a HEAD stays a HEAD", () => {
    expect(redirectedHop({ ...post, method: "HEAD", body: null }, 302, new URL("https://api.example.com/x")).method).toBe("HEAD");
  });

  test("to another origin, credentials stay behind", () => {
    for (const to of ["https://other.example.com/", "http://api.example.com/upload", "https://api.example.com:8443/"]) {
      const next = redirectedHop(post, 307, new URL(to));
      expect(
        next.headers.map(([n]) => n),
        to,
      ).toEqual(["Content-Type", "X-Trace"]);
    }
  });
});

describe("an execution's request count", () => {
  test("runs out at the cap, per execution, and starts over once forgotten", () => {
    const counter = new RequestCounter(2);
    expect([counter.take("a"), counter.take("a"), counter.take("a"), counter.take("b")]).toEqual([true, true, false, true]);
    counter.forget("a");
    expect(counter.take("a")).toBe(true);
  });

  test("is dropped after an hour without requests, in case the execution's end was never reported", () => {
    let now = 0;
    const counter = new RequestCounter(1, () => now);
    counter.take("lost");
    now += 61 * 60 * 1000;
    counter.take("other");
    expect(counter.size).toBe(1);
  });
});
