// An embedded call's latency budget, in headers: the body stays the script's input as it is
// (any JSON, so there is no envelope to put them in), and like a timeout they are about the call,
// not its input. A fallback is JSON in a header, so it is capped well under common header limits.
import * as z from "zod";
import { wholeNumber } from "./common.ts";
import { scriptLimits } from "./scripts.ts";

export const maxFallbackBytes = 8 * 1024;

export const invokeHeaders = z.object({
  "x-iota-budget-ms": z.coerce
    .number<string>({ error: `must be a whole number of milliseconds from 1 to ${scriptLimits.maxTimeoutMs}` })
    .pipe(wholeNumber(1, scriptLimits.maxTimeoutMs, `must be a whole number of milliseconds from 1 to ${scriptLimits.maxTimeoutMs}`))
    .optional()
    .meta({
      description:
        "How long the caller waits. Past it the answer is `X-Iota-Fallback` at once (`200` with the header `X-Iota-Fallback: true` and `X-Iota-Execution-Id`), while the execution goes on and is recorded as any other. A script that fails or is refused within the budget answers as without one.",
      example: 150,
    }),
  "x-iota-fallback": z
    .string()
    .max(maxFallbackBytes, { error: `must be JSON of at most ${maxFallbackBytes} bytes` })
    .optional()
    .meta({ description: "The value answered past the budget, as JSON (default `null`); only with `X-Iota-Budget-Ms`.", example: '{"discount":0}' }),
});
