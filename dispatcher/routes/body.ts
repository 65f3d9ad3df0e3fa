import type { Context } from "hono";
import { asObject, readJsonBody, type Body } from "../domain/validate.ts";

/** Management bodies carry at most a 1 MB script plus its settings. */
const maxManagementBody = 1024 * 1024 + 64 * 1024;

export async function jsonBody(c: Context): Promise<Body> {
  return asObject(await readJsonBody(c.req.raw, maxManagementBody));
}
