// The one place errors become HTTP answers. Users get the code and message of their mistake;
// faults of ours are logged with the request id and answered with a generic message. A refusal
// that says when to come back (a quota, a budget, no runner free) carries Retry-After.
import type { Context } from "hono";
import { AppError, type ErrorBody } from "../../../protocol/errors.ts";
import type { AppEnv } from "../../types.ts";

export function errorResponse(error: Error, c: Context<AppEnv>): Response {
  const retryAfter = error instanceof AppError ? error.details?.retryAfterSeconds : undefined;
  if (typeof retryAfter === "number") c.header("retry-after", String(retryAfter));
  if (error instanceof AppError && error.isUserError) return c.json({ error: error.toBody() }, error.status as 400);
  const requestId = c.get("requestId") ?? "unknown";
  // The platform at capacity is expected under load, and its message is written for the caller.
  if (error instanceof AppError && typeof retryAfter === "number") {
    console.log(JSON.stringify({ level: "warn", event: "request.refused", requestId, path: c.req.path, code: error.code, error: error.message }));
    return c.json({ error: error.toBody() }, error.status as 503);
  }
  console.error(JSON.stringify({ level: "error", event: "request.failed", requestId, path: c.req.path, error: error.message, stack: error.stack }));
  const body: ErrorBody =
    error instanceof AppError
      ? { code: error.code, message: `${error.message} (request ${requestId})` }
      : { code: "INTERNAL", message: `something went wrong on our side; the request id is ${requestId}` };
  return c.json({ error: body }, (error instanceof AppError ? error.status : 500) as 500);
}

export function notFoundResponse(c: Context<AppEnv>): Response {
  return c.json({ error: { code: "NOT_FOUND", message: `no route for ${c.req.method} ${c.req.path}` } satisfies ErrorBody }, 404);
}
