// Streamed HTTP answers: a script's Response whose body is still being written reaches the caller
// as it is written, through dispatcher, runner and harness; the response cap and the deadline
// still cut it, a caller that leaves ends it, and the run is recorded when it ends with its
// status, the bytes sent and its duration. A body complete at once is still sent in one piece.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startGates, waitFor } from "../support/gates.ts";
import { System } from "../support/system.ts";

let system: System;
let gates: Awaited<ReturnType<typeof startGates>>;
let acme: { slug: string; token: string };

beforeAll(async () => {
  gates = await startGates();
  system = await System.start({ env: { IOTA_EGRESS_ALLOW: `127.0.0.1:${gates.port}` } });
  acme = await system.tenant("streamer");
});
afterAll(async () => {
  await system?.destroy();
  await gates?.close();
});

const cap = 5 * 1024 * 1024;

async function endpoint(name: string, code: string, extra: Record<string, unknown> = {}): Promise<string> {
  return system.script({ name, kind: "http", path: `/${name}`, methods: ["GET"], access: "public", code, ...extra }, acme.token);
}

const call = (name: string, init?: RequestInit) => fetch(`${system.baseUrl}/api/tenants/${acme.slug}/scripts/${name}`, init);

const execution = async (id: string) => (await system.api("GET", `/admin/api/executions/${id}`, undefined, { token: acme.token })).body;

/** A body read chunk by chunk, as the caller receives it. */
function bodyOf(response: Response) {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let bytes = 0;
  return {
    get text() {
      return text;
    },
    get bytes() {
      return bytes;
    },
    /** Reads until `text` satisfies `done`; false if the body ended first. */
    async until(done: (text: string) => boolean): Promise<boolean> {
      while (!done(text)) {
        const chunk = await reader.read();
        if (chunk.done) return false;
        bytes += chunk.value.byteLength;
        text += decoder.decode(chunk.value, { stream: true });
      }
      return true;
    },
    /** Reads to the end: "ended" when the body closed properly, "cut" when it broke off. */
    async rest(): Promise<"ended" | "cut"> {
      try {
        for (;;) {
          const chunk = await reader.read();
          if (chunk.done) return "ended";
          bytes += chunk.value.byteLength;
          text += decoder.decode(chunk.value, { stream: true });
        }
      } catch {
        return "cut";
      }
    },
    cancel: () => reader.cancel(),
  };
}

/** A script that writes `chunks` one by one, waiting at gate `<prefix>-<i>` before each but the first. */
const gated = (prefix: string, chunks: string[]) => `export default async (request, ctx) => {
  const encoder = new TextEncoder();
  const { readable, writable } = new TransformStream();
  const writer = writable.getWriter();
  (async () => {
    const chunks = ${JSON.stringify(chunks)};
    for (let i = 0; i < chunks.length; i++) {
      if (i > 0) await fetch("${gates.url(prefix)}-" + i);
      ctx.log.info("writing chunk " + (i + 1));
      await writer.write(encoder.encode(chunks[i]));
    }
    await writer.close();
  })();
  return new Response(readable, { headers: { "content-type": "text/event-stream", "set-cookie": "iota_session=attacker; Path=/" } });
}`;

describe("streamed answers", () => {
  test("chunks reach the caller as the script writes them, and the run is recorded before the body ends", async () => {
    const chunks: [string, string, string] = ["data: one\n\n", "data: two\n\n", "data: three\n\n"];
    await endpoint("events", gated("ev", chunks));
    const response = await call("events");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    // The same protections as a buffered answer: no cookies, a sandboxed origin, and its length
    // is not declared.
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(response.headers.get("content-security-policy")).toMatch(/^sandbox/);
    expect(response.headers.get("content-length")).toBeNull();
    const id = response.headers.get("x-iota-execution-id")!;
    expect(id).toBeTruthy();

    const body = bodyOf(response);
    // The first chunk arrives while the script is held at its gate, before it wrote the second.
    expect(await body.until((t) => t.includes("one"))).toBe(true);
    expect(body.text).toBe(chunks[0]);
    await waitFor(
      async () => gates.waiting("ev-1"),
      (n) => n === 1,
    );
    expect((await execution(id)).status).toBe("running");
    gates.open("ev-1");
    expect(await body.until((t) => t.includes("two"))).toBe(true);
    expect(body.text).toBe(chunks[0] + chunks[1]);
    await waitFor(
      async () => gates.waiting("ev-2"),
      (n) => n === 1,
    );
    gates.open("ev-2");
    expect(await body.rest()).toBe("ended");
    expect(body.text).toBe(chunks.join(""));

    // Recorded before the caller saw the end of the body.
    const e = await execution(id);
    expect(e).toMatchObject({ status: "succeeded", trigger: "http" });
    expect(e.output).toMatchObject({ status: 200, streamed: true, bytes: body.bytes, body: chunks.join("") });
    expect(e.output.headers).toContainEqual(["content-type", "text/event-stream"]);
    expect(e.logs.map((l: { message: string }) => l.message)).toEqual(["writing chunk 1", "writing chunk 2", "writing chunk 3"]);
    expect(e.durationMs).toBeGreaterThan(0);

    // History lists it with its status and duration.
    const listed = await system.api("GET", `/admin/api/executions?scriptId=${e.scriptId}`, undefined, { token: acme.token });
    expect(listed.body.items[0]).toMatchObject({ id, status: "succeeded", durationMs: e.durationMs });
  });

  test("a body past the 5 MB cap is cut there, and the run fails saying so", async () => {
    // One chunk, a pause (so the answer streams), then 256 KB chunks with no end.
    await endpoint(
      "flood",
      `export default () => {
        let n = 0;
        return new Response(new ReadableStream({
          async pull(controller) {
            if (n++ === 1) await new Promise((resolve) => setTimeout(resolve, 50));
            controller.enqueue(new Uint8Array(256 * 1024).fill(120));
          },
        }));
      }`,
    );
    const response = await call("flood");
    expect(response.status).toBe(200);
    const id = response.headers.get("x-iota-execution-id")!;
    const body = bodyOf(response);
    expect(await body.rest()).toBe("cut");
    expect(body.bytes).toBeGreaterThan(256 * 1024);
    expect(body.bytes).toBeLessThanOrEqual(cap);
    const e = await system.waitForExecution(id, 20_000, acme.token);
    expect(e).toMatchObject({ status: "failed", errorCode: "OUTPUT_TOO_LARGE" });
    expect(e.output.streamed).toBe(true);
    expect(e.output.bytes).toBeGreaterThanOrEqual(body.bytes);
    expect(e.output.bytes).toBeLessThanOrEqual(cap);
    // History keeps only the start of the body.
    expect(e.output.body.length).toBeLessThanOrEqual(64 * 1024 + 1);
  });

  test("a body still open at the deadline is cut there, and the run is timed_out with what it sent", async () => {
    await endpoint(
      "slow",
      `export default (request, ctx) => {
        const encoder = new TextEncoder();
        return new Response(new ReadableStream({
          async start(controller) {
            controller.enqueue(encoder.encode("data: first\\n\\n"));
            ctx.signal.addEventListener("abort", () => ctx.log.warn("aborted: " + ctx.signal.reason.message));
            await fetch("${gates.url("never")}");
          },
        }), { headers: { "content-type": "text/event-stream" } });
      }`,
      { timeoutMs: 1500 },
    );
    const response = await call("slow");
    const id = response.headers.get("x-iota-execution-id")!;
    const body = bodyOf(response);
    expect(await body.until((t) => t.includes("first"))).toBe(true);
    expect(await body.rest()).toBe("cut");
    const e = await system.waitForExecution(id, 20_000, acme.token);
    expect(e).toMatchObject({ status: "timed_out", errorCode: "TIMEOUT" });
    expect(e.output).toMatchObject({ streamed: true, bytes: "data: first\n\n".length, body: "data: first\n\n" });
    expect(e.durationMs).toBeGreaterThanOrEqual(1500);
    expect(e.logs.map((l: { message: string }) => l.message)).toContain("aborted: deadline exceeded");
  });

  test("a caller that disconnects mid-stream ends the run, recorded with the bytes it was sent", async () => {
    // A heartbeat every 100 ms, for up to a minute.
    await endpoint(
      "heartbeat",
      `export default (request, ctx) => {
        const encoder = new TextEncoder();
        let n = 0;
        return new Response(new ReadableStream({
          async pull(controller) {
            if (n > 0) await new Promise((resolve) => setTimeout(resolve, 100));
            controller.enqueue(encoder.encode("data: beat " + n++ + "\\n\\n"));
          },
        }), { headers: { "content-type": "text/event-stream" } });
      }`,
      { timeoutMs: 60_000 },
    );
    const response = await call("heartbeat");
    const id = response.headers.get("x-iota-execution-id")!;
    const body = bodyOf(response);
    expect(await body.until((t) => t.includes("beat 2"))).toBe(true);
    await body.cancel();
    const e = await system.waitForExecution(id, 20_000, acme.token);
    expect(e).toMatchObject({ status: "cancelled", errorCode: "CANCELLED" });
    expect(e.error.message).toMatch(/^the caller disconnected after \d+ bytes of the streamed answer$/);
    expect(e.output.streamed).toBe(true);
    expect(e.output.bytes).toBeGreaterThanOrEqual(body.bytes);
    expect(e.durationMs).toBeLessThan(60_000);
  });

  test("a caller that disconnects while the script is not writing is noticed when it writes again", async () => {
    // workerd notices a closed connection only when it next sends on it: a script idle at its
    // gate keeps running until it writes again (or its deadline).
    await endpoint(
      "idle",
      `export default (request, ctx) => {
        const encoder = new TextEncoder();
        let n = 0;
        return new Response(new ReadableStream({
          async pull(controller) {
            if (n === 1) await fetch("${gates.url("idle-1")}");
            else if (n > 1) await new Promise((resolve) => setTimeout(resolve, 50));
            controller.enqueue(encoder.encode("data: " + n++ + "\\n\\n"));
          },
        }));
      }`,
      { timeoutMs: 60_000 },
    );
    const response = await call("idle");
    const id = response.headers.get("x-iota-execution-id")!;
    const body = bodyOf(response);
    expect(await body.until((t) => t.includes("data: 0"))).toBe(true);
    await waitFor(
      async () => gates.waiting("idle-1"),
      (n) => n === 1,
    );
    await body.cancel();
    expect((await execution(id)).status).toBe("running");
    gates.open("idle-1");
    const e = await system.waitForExecution(id, 20_000, acme.token);
    expect(e).toMatchObject({ status: "cancelled", errorCode: "CANCELLED" });
    expect(e.output.streamed).toBe(true);
    expect(e.output.bytes).toBeGreaterThanOrEqual("data: 0\n\n".length);
    expect(e.durationMs).toBeLessThan(60_000);
  });

  test("answers complete at once are still sent in one piece", async () => {
    await endpoint("json", "export default () => ({ pong: true })");
    await endpoint("text", `export default () => new Response("plain text", { headers: { "content-type": "text/plain" } })`);
    await endpoint(
      "enqueued",
      `export default () => new Response(new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode("a,b\\n")); c.enqueue(new TextEncoder().encode("1,2\\n")); c.close(); } }))`,
    );
    const json = await call("json");
    expect(json.status).toBe(200);
    expect(json.headers.get("content-type")).toContain("application/json");
    expect(json.headers.get("content-length")).toBe(String('{"pong":true}'.length));
    expect(await json.json()).toEqual({ pong: true });
    const e = await execution(json.headers.get("x-iota-execution-id")!);
    expect(e).toMatchObject({ status: "succeeded", output: { status: 200, body: '{"pong":true}' } });
    expect(e.output.streamed).toBeUndefined();

    const text = await call("text");
    expect(text.headers.get("content-length")).toBe("10");
    expect(await text.text()).toBe("plain text");

    const enqueued = await call("enqueued");
    expect(enqueued.headers.get("content-length")).toBe("8");
    expect(await enqueued.text()).toBe("a,b\n1,2\n");
    expect((await execution(enqueued.headers.get("x-iota-execution-id")!)).output.streamed).toBeUndefined();
  });

  test("a streamed body that stops giving bytes fails the run as an invalid response", async () => {
    await endpoint(
      "liar",
      `export default () => {
        let n = 0;
        return new Response(new ReadableStream({
          async pull(controller) {
            await new Promise((resolve) => setTimeout(resolve, 30));
            controller.enqueue(n++ === 0 ? new TextEncoder().encode("ok so far\\n") : "not bytes");
          },
        }));
      }`,
    );
    const response = await call("liar");
    expect(response.status).toBe(200);
    const id = response.headers.get("x-iota-execution-id")!;
    const body = bodyOf(response);
    expect(await body.rest()).toBe("cut");
    expect(body.text).toBe("ok so far\n");
    const e = await system.waitForExecution(id, 20_000, acme.token);
    expect(e).toMatchObject({ status: "failed", errorCode: "INVALID_RESPONSE" });
    expect(e.output).toMatchObject({ streamed: true, bytes: 10 });
  });
});
