// The one place errors become HTTP answers. Users get the code and message of their mistake;
// faults of ours are logged with the request id and answered with a generic message.
import type { Context } from "hono";
import { AppError, type ErrorBody } from "../../../protocol/errors.ts";
import type { AppEnv } from "../../types.ts";

export function errorResponse(error: Error, c: Context<AppEnv>): Response {
  if (error instanceof AppError && error.isUserError) {
    const retryAfter = error.details?.retryAfterSeconds;
    if (typeof retryAfter === "number") c.header("retry-after", String(retryAfter));
    return c.json({ error: error.toBody() }, error.status as 400);
  }
  const requestId = c.get("requestId") ?? "unknown";
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
