// Request validation with the API's schemas (protocol/schemas), as Hono middleware: a handler
// reads what passed with `c.req.valid("json" | "query" | "param")`. A refusal is the API's one
// error, naming the field (see protocol/schemas/problems.ts).
//
// Query strings and path parameters go through Hono's own `validator`. Bodies do not: it reads
// them whole, however large, and treats one not labelled `application/json` as `{}`. Ours are
// read with their cap first (413 as soon as it is passed) and parsed whatever their label, as
// they always were, then handed to the same validated-data slot Hono's validator fills.
import type * as z from "zod";
import { createMiddleware } from "hono/factory";
import { validator } from "hono/validator";
import { parseOrThrow } from "../../protocol/schemas/problems.ts";
import type { AppEnv } from "../types.ts";
import { maxManagementBody, readJsonBody } from "./body.ts";

type Form<S extends z.ZodType<object>> = S | ((body: unknown) => S);

/** A JSON body of at most `maxBytes`, checked with `schema` (or the schema `schema(body)` picks). */
export function json<S extends z.ZodType<object>>(schema: Form<S>, maxBytes = maxManagementBody) {
  return createMiddleware<AppEnv, string, { in: { json: z.input<S> }; out: { json: z.output<S> } }>(async function validJson(c, next) {
    const body = await readJsonBody(c.req.raw, maxBytes);
    const form = typeof schema === "function" ? schema(body) : schema;
    c.req.addValidatedData("json", parseOrThrow(form, body));
    await next();
  });
}

/** The query string, checked with `schema`; a repeated parameter arrives as a list. */
export const query = <S extends z.ZodType>(schema: S) => validator("query", (value): z.output<S> => parseOrThrow(schema, value, "the query"));

/** The path's parameters, checked with `schema`. */
export const params = <S extends z.ZodType>(schema: S) => validator("param", (value): z.output<S> => parseOrThrow(schema, value, "the path"));
