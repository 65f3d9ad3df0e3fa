// GET /admin/api/openapi.json: the API's description (protocol/openapi), for the admin's
// reference page and for generating clients. Public: it documents the API and reveals nothing
// the source does not. Built once per isolate, on the first request that asks.
import { Hono } from "hono";
import { openApiDocument } from "../../protocol/openapi/document.ts";
import type { AppEnv } from "../types.ts";

let document: string | undefined;

export function openApiRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/admin/api/openapi.json", (c) => {
    document ??= JSON.stringify(openApiDocument());
    return c.body(document, 200, { "content-type": "application/json; charset=utf-8", "cache-control": "no-cache" });
  });
  return app;
}
