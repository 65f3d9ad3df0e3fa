import type { Context } from "hono";
import { servable, type ResponseEnvelope } from "../../protocol/http-envelope.ts";
import type { StartedRun } from "../domain/runs.ts";
import type { AppEnv } from "../types.ts";

/** A sync run answers 200 with the execution; an async one 202 with where to find it. */
export function answerRun(c: Context<AppEnv>, started: StartedRun): Response {
  if (started.mode === "async") {
    c.header("location", `/admin/api/executions/${started.id}`);
    return c.json({ id: started.id, status: started.status }, 202);
  }
  return c.json(started.execution!);
}

/**
 * Serves an HTTP script's answer. The harness checks it, but it was made inside the tenant's
 * isolate: whatever it holds, the caller gets either a well-formed answer or a plain failure
 * naming the execution, never a fault of ours.
 */
export function answerEndpoint(
  c: Context<AppEnv>,
  executionId: string,
  envelope: ResponseEnvelope,
  method: string,
  /** A streamed answer's body, as the script writes it; `envelope` is then its head. */
  streamed?: ReadableStream<Uint8Array>,
): Response {
  const served = servable(envelope);
  if (typeof served === "string") {
    streamed?.cancel().catch(() => undefined);
    c.header("x-iota-execution-id", executionId);
    return c.json({ error: { code: "SCRIPT_ERROR", message: `the script's response cannot be served: ${served} (execution ${executionId})` } }, 500);
  }
  const { status, headers, body } = served;
  // Tenant content shares the admin's origin: it may set no cookies, and what it serves runs
  // in a sandboxed, opaque origin, so a page of one tenant can never act as a signed-in admin.
  headers.delete("set-cookie");
  headers.set("content-security-policy", "sandbox; default-src 'none'; frame-ancestors 'none'");
  headers.set("x-content-type-options", "nosniff");
  headers.set("x-iota-execution-id", executionId);
  const bodiless = method === "HEAD" || status === 204 || status === 205 || status === 304;
  if (streamed) {
    // Its length is not known until it ends: whatever the script declared is not believed.
    headers.delete("content-length");
    if (bodiless) streamed.cancel().catch(() => undefined);
    return new Response(bodiless ? null : streamed, { status, headers });
  }
  return new Response(bodiless ? null : (body as BodyInit | null), { status, headers });
}
