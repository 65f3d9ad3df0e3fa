// The public faces of scripts: HTTP endpoints (`/api/scripts/{path}`), embedded calls from
// platform services (`/api/invoke/{script}`) and domain events (`/api/events`). Callers here
// are outsiders: errors say what happened and which execution to look up, never how.
import { Hono, type Context } from "hono";
import { AppError } from "../../protocol/errors.ts";
import { encodeBody, strippedRequestHeaders, type RequestEnvelope } from "../../protocol/http-envelope.ts";
import type { RunResult } from "../../protocol/run.ts";
import { encodeInput } from "../domain/runs.ts";
import { authenticate } from "../middleware/auth/index.ts";
import { requires } from "./guards.ts";
import type { AppEnv } from "../types.ts";
import { publishFormOf } from "../../protocol/schemas/events.ts";
import { invokeHeaders } from "../../protocol/schemas/invoke.ts";
import { parseOrThrow } from "../../protocol/schemas/problems.ts";
import type { Budget } from "../domain/embedded.ts";
import { readBodyCapped, readJsonBody } from "./body.ts";
import { json } from "./validate.ts";
import { answerEndpoint } from "./run-answer.ts";
import { awaitStream, type StreamedAnswer } from "../platform/answer-stream.ts";

const maxEndpointBody = 1024 * 1024;
/** A 1 MB body as the script receives it: base64 when binary, with the headers beside it. */
const maxEnvelopeBytes = 2 * maxEndpointBody;
/** A batch of events: each payload is still at most 1 MB. */
const maxEventsBody = 5 * 1024 * 1024;

/**
 * What a caller hears when the script did not succeed. Outsiders (HTTP endpoints) get only the
 * execution to look up; a platform service of the tenant (embedded calls) also gets the
 * script's error message, never its stack.
 */
function failure(c: Context<AppEnv>, executionId: string, result: RunResult, withMessage = false): Response {
  c.header("x-iota-execution-id", executionId);
  const byStatus: Record<string, [number, string, string]> = {
    timed_out: [504, "TIMEOUT", "the script did not finish in time"],
    interrupted: [503, "INTERRUPTED", "the script was interrupted; try again"],
    cancelled: [503, "INTERRUPTED", "the script was interrupted; try again"],
  };
  // An embedded script refuses its caller by throwing an error with a 4xx `status`.
  const rejected = withMessage && result.status === "failed" ? result.error?.status : undefined;
  if (rejected) return c.json({ error: { code: "SCRIPT_REJECTED", message: result.error!.message.replace(/^[A-Za-z]*Error: /, "") } }, rejected as 400);
  const [status, code, message] = byStatus[result.status] ?? [500, "SCRIPT_ERROR", "the script failed"];
  const detail = withMessage && result.error?.message ? `: ${result.error.message}` : "";
  return c.json({ error: { code, message: `${message}${detail} (execution ${executionId})` } }, status as 500);
}

async function endpoint(c: Context<AppEnv>, tenantSlug: string | undefined, rest: string): Promise<Response> {
  const { endpoints, runs, tenants } = c.get("services");
  try {
    new URL(c.req.url);
  } catch {
    throw new AppError("BAD_REQUEST", "the request's Host header is not a valid host");
  }
  const byHost = await tenants.findByHost(c.req.header("host") ?? "");
  const tenant = tenantSlug ? await tenants.findBySlug(tenantSlug) : byHost;
  // One tenant's domain never serves another tenant's endpoints.
  if (tenantSlug && byHost && byHost.slug !== tenantSlug) throw new AppError("NOT_FOUND", `no tenant ${tenantSlug} on this host`);
  if (!tenant)
    throw new AppError("NOT_FOUND", tenantSlug ? `no tenant ${tenantSlug}` : "no tenant serves this host name; use /api/tenants/{tenant}/scripts/{path}");
  const path = `/${rest}`.replace(/\/+$/, "") || "/";
  const method = c.req.method.toUpperCase();
  const match = await endpoints.match(tenant.id, path, method);
  if (!match) throw new AppError("NOT_FOUND", `no endpoint at ${path}`);
  if ("allow" in match) {
    c.header("allow", match.allow.join(", "));
    throw new AppError("METHOD_NOT_ALLOWED", `${method} is not allowed at ${path}; allowed: ${match.allow.join(", ")}`);
  }
  // A caller without the token is turned away before its body is read; a signature needs it.
  let read: Promise<Uint8Array> | undefined;
  const readBody = () => (read ??= readBodyCapped(c.req.raw, maxEndpointBody));
  await endpoints.authorise(match.script, tenant, c.req.raw, readBody);
  const body = await readBody();
  const envelope: RequestEnvelope = {
    method,
    url: c.req.url,
    headers: [...c.req.raw.headers].filter(([name]) => !strippedRequestHeaders.has(name.toLowerCase())),
    ...encodeBody(body),
    params: match.params,
  };
  const version = await c.get("services").scripts.immutableVersion(tenant.id, match.script.id, match.script.currentVersion);
  // An answer whose body is still being written when the script returns is streamed: the caller
  // gets its head and then its body as it is written, and the run is recorded when it ends.
  let executionId = "";
  let forget = () => {};
  let take: (answer: StreamedAnswer) => void = () => {};
  const streamStarted = new Promise<StreamedAnswer>((resolve) => {
    take = resolve;
  });
  const launching = runs.launch(
    {
      tenant: { id: tenant.id, slug: tenant.slug },
      script: match.script,
      version,
      input: encodeInput(envelope, "request", maxEnvelopeBytes),
      trigger: "http",
      mode: "sync",
      withRecord: false,
      onAdmitted: (id) => {
        executionId = id;
        if (method !== "HEAD") forget = awaitStream(id, take);
      },
    },
    (work) => c.executionCtx.waitUntil(work),
  );
  const first = await Promise.race([launching.then((run) => ({ run })), streamStarted.then((answer) => ({ answer }))]);
  if ("answer" in first) {
    const { answer } = first;
    // The caller's body is closed only once the run is recorded, and only if it succeeded: a
    // body cut short (deadline, cap, a failure) ends without its final chunk.
    c.executionCtx.waitUntil(
      launching
        .then(
          (run) => answer.end(run.mode === "sync" && run.result.status === "succeeded"),
          () => answer.end(false),
        )
        .finally(forget),
    );
    return answerEndpoint(c, executionId, answer.head, method, answer.body);
  }
  forget();
  const started = first.run;
  if (started.mode !== "sync") throw new AppError("INTERNAL", "an endpoint run must be sync");
  const { id, result } = started;
  if (result.status !== "succeeded" || !result.response) return failure(c, id, result);
  return answerEndpoint(c, id, result.response, method);
}

/** `X-Iota-Budget-Ms` and `X-Iota-Fallback` (JSON), checked before the body is read. */
function budgetOf(headers: Headers): Budget | undefined {
  const fields = parseOrThrow(
    invokeHeaders,
    { "x-iota-budget-ms": headers.get("x-iota-budget-ms") ?? undefined, "x-iota-fallback": headers.get("x-iota-fallback") ?? undefined },
    "the headers",
  );
  const ms = fields["x-iota-budget-ms"];
  const fallback = fields["x-iota-fallback"];
  if (ms === undefined) {
    if (fallback !== undefined)
      throw new AppError("VALIDATION_FAILED", "X-Iota-Fallback is answered past a budget: send X-Iota-Budget-Ms too", { field: "x-iota-fallback" });
    return undefined;
  }
  if (fallback === undefined) return { ms, fallback: "null" };
  try {
    // Answered as the caller sent it, once known to be JSON.
    JSON.parse(fallback);
  } catch {
    throw new AppError("VALIDATION_FAILED", 'x-iota-fallback must be JSON, like {"discount":0} or null', { field: "x-iota-fallback" });
  }
  return { ms, fallback };
}

export function publicRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.all("/api/scripts/*", (c) => endpoint(c, undefined, c.req.path.slice("/api/scripts/".length)));
  app.all("/api/tenants/:tenant/scripts/*", (c) => endpoint(c, c.req.param("tenant"), c.req.path.replace(/^\/api\/tenants\/[^/]+\/scripts\/?/, "")));

  app.post("/api/invoke/:script", authenticate(), async (c) => {
    const budget = budgetOf(c.req.raw.headers);
    const input = await readJsonBody(c.req.raw, maxEndpointBody + 1024, null);
    const invoked = await c.get("services").embedded.invoke(c.get("principal"), c.req.param("script"), input, (work) => c.executionCtx.waitUntil(work), budget);
    if (invoked.answer === "fallback") {
      c.header("x-iota-execution-id", invoked.id);
      c.header("x-iota-fallback", "true");
      return c.body(invoked.fallback, 200, { "content-type": "application/json" });
    }
    const { id, result } = invoked.started;
    if (result.status !== "succeeded") return failure(c, id, result, true);
    c.header("x-iota-execution-id", id);
    return c.body(result.output ?? "null", 200, { "content-type": "application/json" });
  });

  app.post("/api/events", authenticate(), requires("scripts.execute"), json(publishFormOf, maxEventsBody), async (c) => {
    const body = c.req.valid("json");
    const background = (work: Promise<unknown>) => c.executionCtx.waitUntil(work);
    if ("events" in body) {
      const batch = await c.get("services").events.publishBatch(c.get("principal"), body, background);
      return c.json(batch, batch.accepted > 0 ? 202 : 200);
    }
    const accepted = await c.get("services").events.publish(c.get("principal"), body, background);
    return c.json(accepted, accepted.duplicate ? 200 : 202);
  });
  return app;
}
