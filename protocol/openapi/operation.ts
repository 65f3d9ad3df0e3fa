// How one route is described: who may call it, what it takes and answers (the API's schemas,
// each with an example the compiler checks against it), and the errors it can answer, all in
// the shared error shape. `route()` turns that into an OpenAPI operation.
import * as z from "zod";
import type { ZodOpenApiOperationObject, ZodOpenApiResponseObject } from "zod-openapi";
import { can, roles, type Permission } from "../roles.ts";
import { errorAnswer, type ErrorBody } from "../schemas/errors.ts";

/** Who may call: a permission of the caller's role, or one of the kinds of caller below. */
export type Who = Permission | "public" | "any credential" | "signed-in user" | "platform admin" | "the script's access";

export type Method = "get" | "post" | "put" | "patch" | "delete" | "head" | "options";

type Json = z.ZodType;
type Params = z.ZodObject;

/** A success answer: JSON of a schema, text, or nothing. */
export type Answer =
  | { status: number; description: string; schema: Json; example: unknown }
  | { status: number; description: string; mediaType: string; example: string }
  | { status: 204; description: string };

export interface RouteSpec {
  summary: string;
  description?: string;
  who: Who;
  tag: string;
  params?: Params;
  query?: Params;
  /** Request headers the route reads besides credentials. */
  headers?: Params;
  body?: { schema: Json; example: unknown };
  answers: Answer[];
  /** Errors beside the ones every route of its kind can answer, by status: what they mean (or a shared response). */
  errors?: Partial<Record<number, string | ZodOpenApiResponseObject>>;
}

export interface Route {
  method: Method;
  /** OpenAPI's form: `/admin/api/scripts/{id}`. */
  path: string;
  operation: ZodOpenApiOperationObject;
}

/** A JSON answer whose example the compiler holds to its schema. */
export const json = <S extends Json>(status: number, description: string, schema: S, example: z.output<S>): Answer => ({
  status,
  description,
  schema,
  example,
});
/** A request body whose example the compiler holds to its schema. */
export const body = <S extends Json>(schema: S, example: z.input<S>) => ({ schema, example });

const errorExamples: Record<number, ErrorBody> = {
  400: { code: "BAD_REQUEST", message: "the request body is not valid JSON: Unexpected token n in JSON at position 1" },
  401: { code: "UNAUTHENTICATED", message: "sign in, or send an API token: Authorization: Bearer <token>" },
  403: { code: "FORBIDDEN", message: "your role (viewer) does not have the scripts.write permission" },
  404: { code: "NOT_FOUND", message: "script not found" },
  405: { code: "METHOD_NOT_ALLOWED", message: "PUT is not allowed at /orders/7; allowed: GET, POST" },
  409: { code: "CONFLICT", message: 'a script named "pricing-rule" already exists', field: "name" },
  413: { code: "PAYLOAD_TOO_LARGE", message: "the request body is larger than 1114112 bytes" },
  422: { code: "VALIDATION_FAILED", message: "timeoutMs must be a whole number from 100 to 900000", field: "timeoutMs" },
  429: {
    code: "RATE_LIMITED",
    message: "tenant acme is running 10 executions, its limit is 10; retry shortly or run it async",
    details: { retryAfterSeconds: 1 },
  },
  500: { code: "SCRIPT_ERROR", message: "the script failed (execution exe_01jq3v2k7c9x8m)" },
  503: { code: "RUNNER_BUSY", message: "no runner process is free for this run: the platform is at capacity", details: { retryAfterSeconds: 2 } },
  504: { code: "TIMEOUT", message: "the script did not finish in time (execution exe_01jq3v2k7c9x8m)" },
};

const errorMeanings: Record<number, string> = {
  400: "The body is not JSON, not UTF-8, or not an object.",
  401: "No credentials, or unknown or revoked ones.",
  403: "The caller may not do this (its role, or not a platform admin), or a signed-in write without `X-CSRF-Token`.",
  404: "No such record in the caller's tenant (another tenant's id answers the same).",
  413: "The body is larger than the route takes.",
  422: "A field is wrong: `field` names it as a dotted path (`tags.team`, `events[1].type`).",
};

const rolesWith = (permission: Permission) => roles.filter((r) => can(r, permission)).join(", ");

function whoSays(who: Who): string {
  if (who === "public") return "Public: no credentials needed.";
  if (who === "any credential") return "Any credential: an API token or a signed-in session.";
  if (who === "signed-in user") return "A signed-in user (session cookie); API tokens belong to a tenant, not a person.";
  if (who === "platform admin") return "Platform admins only.";
  if (who === "the script's access")
    return "As the script's `access` says: `public` (anyone), `token` (an API token of its tenant with `scripts.execute`) or `hmac` (a signature over the body, from the secret `hmacSecret` names).";
  return `The \`${who}\` permission (roles: ${rolesWith(who)}).`;
}

const tenantHeader = z.object({
  "x-iota-tenant": z.string().optional().meta({ description: "Platform admins: act inside this tenant (its slug) instead of their own." }),
});

function errorResponse(status: number, description: string): ZodOpenApiResponseObject {
  return { description, content: { "application/json": { schema: errorAnswer, example: { error: errorExamples[status] ?? errorExamples[400] } } } };
}

// The errors most routes answer, said once in the document's components and referred to.
const sharedNames: Record<number, string> = {
  400: "BadRequest",
  401: "Unauthenticated",
  403: "Forbidden",
  404: "NotFound",
  413: "PayloadTooLarge",
  422: "ValidationFailed",
};
const sharedErrors = new Map(
  Object.entries(errorMeanings).map(([status, meaning]) => [Number(status), { ...errorResponse(Number(status), meaning), id: sharedNames[Number(status)] }]),
);

/** An error response several routes refer to, as a component named `id`. */
export const sharedError = (id: string, status: number, meaning: string): ZodOpenApiResponseObject => ({ ...errorResponse(status, meaning), id });

/** The response for an error status: the shared one when it means what it usually does. */
function errorFor(status: number, meaning: string | ZodOpenApiResponseObject): ZodOpenApiResponseObject {
  if (typeof meaning !== "string") return meaning;
  return meaning === errorMeanings[status] ? sharedErrors.get(status)! : errorResponse(status, meaning);
}

function answerResponse(answer: Answer): ZodOpenApiResponseObject {
  if (!("example" in answer)) return { description: answer.description };
  if ("schema" in answer) return { description: answer.description, content: { "application/json": { schema: answer.schema, example: answer.example } } };
  return { description: answer.description, content: { [answer.mediaType]: { schema: { type: "string" }, example: answer.example } } };
}

/** The statuses any route of this shape can answer with an error. */
function commonErrors(spec: RouteSpec): Record<number, string | ZodOpenApiResponseObject> {
  const errors: Record<number, string | ZodOpenApiResponseObject> = {};
  if (spec.who !== "public" && spec.who !== "the script's access") Object.assign(errors, { 401: errorMeanings[401], 403: errorMeanings[403] });
  if (spec.params) errors[404] = errorMeanings[404]!;
  if (spec.body) Object.assign(errors, { 400: errorMeanings[400], 413: errorMeanings[413], 422: errorMeanings[422] });
  if (spec.query) errors[422] = errorMeanings[422]!;
  return errors;
}

/** A route of the API as an OpenAPI operation. */
export function route(method: Method, path: string, id: string, spec: RouteSpec): Route {
  const errors = { ...commonErrors(spec), ...spec.errors };
  const responses: ZodOpenApiOperationObject["responses"] = {};
  for (const answer of spec.answers) responses[`${answer.status}` as `2${string}`] = answerResponse(answer);
  for (const [status, meaning] of Object.entries(errors)) responses[status as `4${string}`] = errorFor(Number(status), meaning!);
  const authenticated = spec.who !== "public" && spec.who !== "the script's access";
  const inAdminApi = path.startsWith("/admin/api/");
  const operation: ZodOpenApiOperationObject = {
    operationId: id,
    summary: spec.summary,
    description: [spec.description, `**Permission:** ${whoSays(spec.who)}`].filter(Boolean).join("\n\n"),
    tags: [spec.tag],
    "x-iota-permission": spec.who,
    security: authenticated ? [{ bearerToken: [] }, { sessionCookie: [] }] : spec.who === "public" ? [] : [{}, { bearerToken: [] }],
    requestParams: {
      ...(spec.params ? { path: spec.params } : {}),
      ...(spec.query ? { query: spec.query } : {}),
      ...(authenticated && inAdminApi
        ? { header: spec.headers ? tenantHeader.extend(spec.headers.shape) : tenantHeader }
        : spec.headers
          ? { header: spec.headers }
          : {}),
    },
    ...(spec.body ? { requestBody: { required: true, content: { "application/json": { schema: spec.body.schema, example: spec.body.example } } } } : {}),
    responses,
  };
  return { method, path, operation };
}
