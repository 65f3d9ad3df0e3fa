// What outsiders and platform services call: scripts' HTTP endpoints, embedded calls, domain
// events; and health, readiness, metrics and this document.
import * as z from "zod";
import { eventAccepted, eventBatchAccepted, publishRequest } from "../../schemas/events.ts";
import { liveness, readiness } from "../../schemas/health.ts";
import { invokeHeaders } from "../../schemas/invoke.ts";
import { httpMethods } from "../../schemas/script-settings.ts";
import { body, json, route, sharedError, type Method, type RouteSpec } from "../operation.ts";

const scriptPath = z
  .string()
  .meta({ description: "The rest of the path, slashes included, matched against the tenant's `http` scripts' `path`s.", example: "orders/7" });

// Said once for the fourteen operations (seven methods, two addresses) that reach an endpoint.
const endpointErrors = {
  401: sharedError("EndpointUnauthenticated", 401, "A bad or missing token or signature, as the script's `access` asks."),
  404: sharedError("EndpointNotFound", 404, "No enabled script answers this path (or no tenant this host)."),
  405: sharedError("EndpointMethodNotAllowed", 405, "Scripts answer this path, not with this method; `Allow` lists those that do."),
  413: sharedError("EndpointBodyTooLarge", 413, "The body is over 1 MB."),
  500: sharedError(
    "ScriptFailed",
    500,
    "The script failed, or answered what cannot be served; the answer names the execution (`X-Iota-Execution-Id`), never its stack.",
  ),
  503: sharedError("ScriptInterrupted", 503, "The script was interrupted, or no runner process is free."),
  504: sharedError("ScriptTimedOut", 504, "The script did not finish in time."),
};
const endpointAnswer = {
  status: 200,
  description: "Whatever the script answered (any status from 200 to 599, up to 5 MB).",
  mediaType: "*/*",
  example: '{"order":"7","status":"shipped"}',
};

const endpoint = (summary: string): RouteSpec => ({
  tag: "Public",
  who: "the script's access",
  summary,
  description:
    "Runs the `http` script whose `path` and `methods` match, with the standard `Request`; it answers a `Response` or a JSON value, served under `Content-Security-Policy: sandbox`, without cookies. The caller's `Authorization` and `Cookie` never reach the script.",
  answers: [endpointAnswer],
  errors: endpointErrors,
});

const methods = httpMethods.map((m) => m.toLowerCase() as Method);
const byMethod = (path: string, id: string, spec: RouteSpec) => methods.map((m) => route(m, path, `${id}${m[0]!.toUpperCase()}${m.slice(1)}`, spec));

const batchExample = {
  accepted: 2,
  duplicates: 0,
  events: [
    { id: "o-1", type: "order.placed", duplicate: false, deliveries: 1 },
    { id: "o-2", type: "order.shipped", duplicate: false, deliveries: 0 },
  ],
};

export const publicRoutes = [
  ...byMethod("/api/scripts/{path}", "callEndpoint", {
    ...endpoint("Call a tenant's HTTP endpoint, on its own domain"),
    params: z.object({ path: scriptPath }),
  }),
  ...byMethod("/api/tenants/{tenant}/scripts/{path}", "callTenantEndpoint", {
    ...endpoint("Call a tenant's HTTP endpoint, by its slug"),
    params: z.object({ tenant: z.string().meta({ example: "acme" }), path: scriptPath }),
  }),
  route("post", "/api/invoke/{script}", "invokeScript", {
    tag: "Public",
    who: "scripts.execute",
    summary: "Call an embedded script with an input and use its return value",
    description:
      "The body (any JSON, up to 1 MB) is the script's input; the answer is its return value. `X-Iota-Execution-Id` names the execution. A script's failure answers its message, never its stack; a script that throws an error with a numeric `status` from 400 to 499 (`throw Object.assign(new Error(\"unknown sku\"), { status: 404 })`) answers that status with `SCRIPT_REJECTED` and its message. With `X-Iota-Budget-Ms`, a caller that cannot wait gets `X-Iota-Fallback` past the budget, marked by the answer's header `X-Iota-Fallback: true`; the execution goes on and is recorded.",
    params: z.object({ script: z.string().meta({ description: "The embedded script's name or id.", example: "pricing-rule" }) }),
    headers: invokeHeaders,
    body: body(z.unknown().meta({ description: "The input: any JSON." }), { sku: "A-1", qty: 12 }),
    answers: [
      json(
        200,
        "The script's return value; or, past `X-Iota-Budget-Ms`, the fallback (`X-Iota-Fallback: true`).",
        z.unknown().meta({ description: "Any JSON." }),
        { unit: 10, discount: 0.1, total: 108 },
      ),
    ],
    errors: {
      400: "The script refused the input: it threw an error with `status` 400 (each 4xx a script throws is answered as it is, code `SCRIPT_REJECTED`).",
      404: "No enabled embedded script of that name or id; or the script threw an error with `status` 404 (`SCRIPT_REJECTED`).",
      409: "The embedded script is disabled.",
      422: "A bad `X-Iota-Budget-Ms` or `X-Iota-Fallback` (the field names the header); or the script threw an error with `status` 422 (`SCRIPT_REJECTED`).",
      429: "The tenant is at its concurrency limit; `Retry-After` says when to retry.",
      500: "The script failed: its message, and the execution to look up.",
      503: endpointErrors[503],
      504: endpointErrors[504],
    },
  }),
  route("post", "/api/events", "publishEvents", {
    tag: "Public",
    who: "scripts.execute",
    summary: "Publish a domain event, or a batch of up to 500",
    description:
      "Stored, with one delivery per subscribed `event` script, in one transaction before the answer. An `id` seen before with the same event is a duplicate (nothing is delivered twice); with another type or payload it is refused (409). A batch is stored together or not at all; a bad event refuses it, naming `events[i]`. One request makes at most 5,000 deliveries and 64 MB of delivery input (5 MB of body).",
    body: body(publishRequest, { id: "pay_2026_000123", type: "payment.processed", payload: { amount: "42.00", currency: "EUR" } }),
    answers: [
      json(202, "Stored (for a batch: at least one event was new).", z.union([eventAccepted, eventBatchAccepted]), {
        id: "pay_2026_000123",
        type: "payment.processed",
        duplicate: false,
        deliveries: 2,
      }),
      json(200, "Every event was a duplicate: nothing new was stored.", z.union([eventAccepted, eventBatchAccepted]), {
        ...batchExample,
        accepted: 0,
        duplicates: 2,
      }),
    ],
    errors: {
      403: "Publishing for another tenant takes a platform admin's token.",
      409: "An id already used for a different event, or an event chain past 10 hops.",
      413: "Too many deliveries or too much delivery input for one request, or the tenant's queue bytes budget.",
      429: "The tenant's queue budget is full.",
    },
  }),
  route("get", "/healthz", "getHealth", {
    tag: "Operations",
    who: "public",
    summary: "Liveness: the process is up",
    answers: [json(200, "Up.", liveness, { status: "ok" })],
  }),
  route("get", "/readyz", "getReadiness", {
    tag: "Operations",
    who: "public",
    summary: "Readiness: the database and the runners answer",
    answers: [
      json(200, "Ready.", readiness, { status: "ready", checks: { database: "ok", runners: "ok" } }),
      json(503, "Not ready: `checks` says what is not.", readiness, { status: "not ready", checks: { database: "ok", runners: "none up" } }),
    ],
  }),
  route("get", "/metrics", "getMetrics", {
    tag: "Operations",
    who: "platform admin",
    summary: "Prometheus metrics",
    description:
      "Executions by tenant, kind and status, a duration histogram, queued and running, deliveries waiting and dead, runner restarts, egress refusals.",
    answers: [
      {
        status: 200,
        description: "Prometheus text format 0.0.4.",
        mediaType: "text/plain",
        example: 'iota_executions_total{tenant="acme",kind="http",status="succeeded"} 1042\n',
      },
    ],
  }),
  route("get", "/admin/api/openapi.json", "getOpenApiDocument", {
    tag: "Operations",
    who: "public",
    summary: "This document: the API described in OpenAPI 3.1",
    description: "Generated from the same schemas the server validates with. Generate a client from it (for Go: `oapi-codegen`).",
    answers: [json(200, "The document.", z.record(z.string(), z.unknown()), { openapi: "3.1.0" })],
  }),
];
