// The API's description: served without credentials, a valid OpenAPI 3.1 document, and complete:
// every route the dispatcher serves is in it (so a route added without a description fails
// here), each with its permission, its errors in the shared shape, and an example.
import { validate } from "@readme/openapi-parser";
import type { Hono } from "hono";
import { inspectRoutes } from "hono/dev";
import { afterAll, beforeAll, describe, expect, test, vi } from "vitest";
import { System } from "../support/system.ts";

// The dispatcher's build supplies these (host/build.ts); the routes do not need their text.
vi.mock("virtual:sdk-types", () => ({ default: "" }));
vi.mock("virtual:harness-source", () => ({ default: "" }));
// Only the route table is read from the imported app; workerd's own module is not in Node.
vi.mock("cloudflare:workers", () => ({ exports: {}, WorkerEntrypoint: class {}, env: {} }));

type Operation = {
  "x-iota-permission"?: string;
  description?: string;
  responses: Record<string, { content?: Record<string, { example?: unknown; schema?: { $ref?: string } }> }>;
};
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> };

/** What the dispatcher serves that is not the API: the host's own calls and the admin's files. */
const notTheApi = [/^\/internal(\/|$)/, /^\/admin$/, /^\/admin\/\*$/];
const allMethods = ["get", "post", "put", "patch", "delete", "head", "options"];

let system: System;
let document: Document;

beforeAll(async () => {
  system = await System.start();
  const r = await system.api<Document>("GET", "/admin/api/openapi.json", undefined, { token: null });
  expect(r.status).toBe(200);
  document = r.body;
});
afterAll(async () => {
  await system?.destroy();
});

/** Hono's `/scripts/:id` and `/api/scripts/*` as OpenAPI writes them. */
const asOpenApi = (path: string) => path.replace(/:([A-Za-z]+)/g, "{$1}").replace(/\/\*$/, "/{path}");

async function servedRoutes(): Promise<{ method: string; path: string }[]> {
  // The dispatcher is worker code, typed by its own tsconfig: imported by name so this file's doesn't follow it.
  const dispatcherApp = "../../dispatcher/app.ts";
  const { createApp } = (await import(dispatcherApp)) as { createApp(): Hono };
  return inspectRoutes(createApp())
    .filter((r) => !r.isMiddleware && !notTheApi.some((p) => p.test(r.path)))
    .flatMap((r) => (r.method === "ALL" ? allMethods : [r.method.toLowerCase()]).map((method) => ({ method, path: asOpenApi(r.path) })));
}

describe("the OpenAPI document", () => {
  test("is served without credentials and validates as OpenAPI 3.1", async () => {
    expect(document.openapi).toBe("3.1.0");
    const result = await validate(structuredClone(document) as never);
    expect(result.valid ? [] : result.errors).toEqual([]);
  });

  test("describes every route the dispatcher serves, and nothing it does not", async () => {
    const served = await servedRoutes();
    const described = Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).map((method) => ({ method, path })));
    const key = (r: { method: string; path: string }) => `${r.method.toUpperCase()} ${r.path}`;
    expect(
      served.map(key).filter((k) => !described.map(key).includes(k)),
      "served but not described",
    ).toEqual([]);
    expect(
      described.map(key).filter((k) => !served.map(key).includes(k)),
      "described but not served",
    ).toEqual([]);
    // The README's management API table, spot-checked.
    for (const k of [
      "POST /admin/api/session",
      "PATCH /admin/api/tenants/{slug}",
      "GET /admin/api/executions/{id}/stream",
      "PUT /admin/api/secrets/{name}",
      "POST /api/events",
      "GET /metrics",
    ]) {
      expect(described.map(key)).toContain(k);
    }
  });

  test("gives every operation its permission, its errors in the shared shape, and an example", () => {
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const where = `${method.toUpperCase()} ${path}`;
        expect(op["x-iota-permission"], where).toBeTruthy();
        expect(op.description, where).toContain("**Permission:**");
        const responses = Object.entries(op.responses);
        const success = responses.filter(([status]) => status.startsWith("2"));
        expect(success.length, where).toBeGreaterThan(0);
        // Every answer with a body shows an example of it.
        for (const [, response] of success) for (const media of Object.values(response.content ?? {})) expect(media.example, where).toBeDefined();
        // Readiness answers 503 with its checks, not an error: it is for load balancers.
        for (const [status, response] of responses.filter(([s]) => /^[45]/.test(s) && !(path === "/readyz" && s === "503"))) {
          const shared = (response as { $ref?: string }).$ref;
          if (shared) continue; // a shared error response, checked below
          expect(response.content?.["application/json"]?.schema?.$ref, `${where} ${status}`).toBe("#/components/schemas/Error");
        }
      }
    }
    const components = (document as unknown as { components: { responses: Record<string, Operation["responses"][string]> } }).components.responses;
    for (const [name, response] of Object.entries(components)) {
      expect(response.content?.["application/json"]?.schema?.$ref, name).toBe("#/components/schemas/Error");
      expect(response.content?.["application/json"]?.example, name).toBeDefined();
    }
  });

  test("a route that needs credentials says so; a public one does not", () => {
    expect(document.paths["/admin/api/scripts"]!.post!["x-iota-permission"]).toBe("scripts.write");
    expect(document.paths["/admin/api/scripts"]!.post!.responses["403"]).toBeDefined();
    expect(document.paths["/healthz"]!.get!["x-iota-permission"]).toBe("public");
    expect(document.paths["/healthz"]!.get!.responses["401"]).toBeUndefined();
  });
});
