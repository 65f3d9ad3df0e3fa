// The body of every error answer, `{"error": {code, message, field?, details?}}`.
import * as z from "zod";
import { scriptFailureCodes, systemCodes, userCodes } from "../error-codes.ts";

const codes = [...Object.keys(userCodes), ...Object.keys(systemCodes)] as (keyof typeof userCodes | keyof typeof systemCodes)[];

export const errorBody = z
  .object({
    code: z.enum([...codes, ...scriptFailureCodes]).meta({ description: "Stable; clients may switch on it." }),
    message: z.string().meta({ description: "For people: what went wrong and what to do." }),
    field: z.string().optional().meta({ description: "The request field at fault, as a dotted path (`tags.team`, `events[1].type`)." }),
    details: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: "Machine-readable facts, e.g. `retryAfterSeconds`, or a syntax error's `line` and `column`." }),
  })
  .meta({ id: "ErrorBody" });

export type ErrorBody = z.infer<typeof errorBody>;

export const errorAnswer = z.object({ error: errorBody }).meta({ id: "Error" });
