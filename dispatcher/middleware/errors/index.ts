// The one place errors become HTTP answers. Users get the code and message of their mistake;
// faults of ours are logged with the request id and answered with a generic message. A refusal
// that says when to come back (a quota, a budget, no runner free, the database out) carries
// Retry-After.
import type { Context } from "hono";
import { databaseUnavailable } from "../../../db/libsql-server.ts";
import { AppError, type ErrorBody } from "../../../protocol/errors.ts";
import type { AppEnv } from "../../types.ts";

/**
 * What a caller is told to wait when the database could not be asked: a restarted server or a
 * failover is back within seconds; a longer outage answers 503 again, at no cost.
 */
export const databaseRetryAfterSeconds = 5;

type Chained = { name?: unknown; code?: unknown; message?: unknown; cause?: unknown; query?: unknown; params?: unknown };

/** The database's own failure inside whatever wraps it (drizzle wraps every query's), if any. */
function databaseFailure(error: unknown): Chained | undefined {
  for (let e = error as Chained | undefined, depth = 0; e && depth < 6; e = e.cause as Chained | undefined, depth++) {
    if (e.code === databaseUnavailable) return e;
  }
  return undefined;
}

/**
 * An error as it is logged: drizzle's wrapper says "Failed query: <sql> params: <values>", and
 * the values are users' data (inputs, token hashes); what went wrong is its cause's message.
 */
function loggable(error: Error): { error: string; code?: string; stack?: string } {
  const wrapped = error as Chained;
  if (typeof wrapped.query === "string" && "params" in wrapped && wrapped.cause) {
    const cause = wrapped.cause as Chained;
    return {
      error: `${String(cause.message ?? cause)} (in: ${wrapped.query.slice(0, 200)})`,
      ...(typeof cause.code === "string" ? { code: cause.code } : {}),
      ...(typeof (cause as Error).stack === "string" ? { stack: (cause as Error).stack } : {}),
    };
  }
  return { error: error.message, stack: error.stack };
}

/** An outage of the database as the API answers it: 503, a message for people, when to come back. */
export function unavailableError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error.code === databaseUnavailable ? error : undefined;
  const failure = databaseFailure(error);
  if (!failure) return undefined;
  return new AppError("DATABASE_UNAVAILABLE", `the database is unavailable right now; retry in ${databaseRetryAfterSeconds} seconds`, {
    details: { retryAfterSeconds: databaseRetryAfterSeconds },
    cause: failure,
  });
}

export function errorResponse(thrown: Error, c: Context<AppEnv>): Response {
  const outage = unavailableError(thrown);
  const error = outage ?? thrown;
  const retryAfter = error instanceof AppError ? error.details?.retryAfterSeconds : undefined;
  if (typeof retryAfter === "number") c.header("retry-after", String(retryAfter));
  if (error instanceof AppError && error.isUserError) return c.json({ error: error.toBody() }, error.status as 400);
  const requestId = c.get("requestId") ?? "unknown";
  if (outage) {
    const cause = databaseFailure(thrown);
    console.error(
      JSON.stringify({
        level: "error",
        event: "request.failed",
        requestId,
        path: c.req.path,
        code: outage.code,
        error: String(cause?.message ?? outage.message),
      }),
    );
    return c.json({ error: outage.toBody() }, 503);
  }
  // The platform at capacity is expected under load, and its message is written for the caller.
  if (error instanceof AppError && typeof retryAfter === "number") {
    console.log(JSON.stringify({ level: "warn", event: "request.refused", requestId, path: c.req.path, code: error.code, error: error.message }));
    return c.json({ error: error.toBody() }, error.status as 503);
  }
  console.error(JSON.stringify({ level: "error", event: "request.failed", requestId, path: c.req.path, ...loggable(error) }));
  const body: ErrorBody =
    error instanceof AppError
      ? { code: error.code, message: `${error.message} (request ${requestId})` }
      : { code: "INTERNAL", message: `something went wrong on our side; the request id is ${requestId}` };
  return c.json({ error: body }, (error instanceof AppError ? error.status : 500) as 500);
}

export function notFoundResponse(c: Context<AppEnv>): Response {
  return c.json({ error: { code: "NOT_FOUND", message: `no route for ${c.req.method} ${c.req.path}` } satisfies ErrorBody }, 404);
}
