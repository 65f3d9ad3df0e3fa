// Streamed HTTP answers on the Cloudflare build (wrangler dev, the Worker Loader in the
// dispatcher itself): a body still being written reaches the caller as it is written, and the
// run is recorded with the bytes sent; a body complete at once is still sent in one piece.
import { describe, expect, test } from "vitest";
import { startGates, waitFor } from "../support/gates.ts";
import type { System } from "../support/system.ts";
import type { Part } from "./part.ts";

let system: System;
let gates: Awaited<ReturnType<typeof startGates>>;
let acme: { slug: string; token: string };

export const streaming: Part = {
  async prepare() {
    gates = await startGates();
    return [`127.0.0.1:${gates.port}`];
  },
  async attach(started) {
    system = started;
    acme = await system.tenant("streamer");
  },
  async close() {
    await gates?.close();
  },
  tests,
};

const call = (name: string) => fetch(`${system.baseUrl}/api/tenants/${acme.slug}/scripts/${name}`);

function tests() {
  describe("streamed answers on the Cloudflare build", () => {
    test("a body still being written streams, and the run is recorded with the bytes sent", async () => {
      await system.script(
        {
          name: "events",
          kind: "http",
          path: "/events",
          methods: ["GET"],
          access: "public",
          code: `export default async () => {
        const encoder = new TextEncoder();
        const { readable, writable } = new TransformStream();
        const writer = writable.getWriter();
        (async () => {
          await writer.write(encoder.encode("data: one\\n\\n"));
          await fetch("${gates.url("cf-1")}");
          await writer.write(encoder.encode("data: two\\n\\n"));
          await writer.close();
        })();
        return new Response(readable, { headers: { "content-type": "text/event-stream" } });
      }`,
        },
        acme.token,
      );
      const response = await call("events");
      expect(response.status).toBe(200);
      expect(response.headers.get("content-security-policy")).toMatch(/^sandbox/);
      const id = response.headers.get("x-iota-execution-id")!;
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let text = "";
      while (!text.includes("one")) {
        const chunk = await reader.read();
        if (chunk.done) break;
        text += decoder.decode(chunk.value, { stream: true });
      }
      expect(text).toBe("data: one\n\n");
      await waitFor(
        async () => gates.waiting("cf-1"),
        (n) => n === 1,
      );
      gates.open("cf-1");
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) break;
        text += decoder.decode(chunk.value, { stream: true });
      }
      expect(text).toBe("data: one\n\ndata: two\n\n");
      const e = (await system.api("GET", `/admin/api/executions/${id}`, undefined, { token: acme.token })).body;
      expect(e).toMatchObject({ status: "succeeded", output: { streamed: true, bytes: text.length } });
    });

    test("a body complete at once is sent in one piece", async () => {
      await system.script(
        { name: "text", kind: "http", path: "/text", methods: ["GET"], access: "public", code: `export default () => new Response("plain text")` },
        acme.token,
      );
      const response = await call("text");
      expect(await response.text()).toBe("plain text");
      // (wrangler dev's proxy re-frames every answer, so the length header says nothing here.)
      const id = response.headers.get("x-iota-execution-id")!;
      const e = (await system.api("GET", `/admin/api/executions/${id}`, undefined, { token: acme.token })).body;
      expect(e).toMatchObject({ status: "succeeded", output: { status: 200, body: "plain text" } });
      expect(e.output.streamed).toBeUndefined();
    });
  });
}
