// The API described in OpenAPI 3.1, generated from the schemas the dispatcher validates with
// (zod-openapi: it turns zod schemas into the document's components, and a schema whose input
// and output differ, like one with defaults, into one of each). Served at
// GET /admin/api/openapi.json; the admin renders it at /admin/api-reference.
import { createDocument } from "zod-openapi";
import type { Route } from "./operation.ts";
import { accessRoutes } from "./routes/access.ts";
import { executionRoutes } from "./routes/executions.ts";
import { publicRoutes } from "./routes/public.ts";
import { scriptRoutes } from "./routes/scripts.ts";
import { sessionRoutes } from "./routes/session.ts";
import { trialRoutes } from "./routes/trials.ts";

/** Every route the API serves, described. */
export const routes: readonly Route[] = [...sessionRoutes, ...accessRoutes, ...scriptRoutes, ...trialRoutes, ...executionRoutes, ...publicRoutes];

const description = `Run JavaScript inside the IOTA SDK platform, one tenant per company.

**Credentials.** \`Authorization: Bearer <token>\` with an API token, or the admin's session cookie plus \`X-CSRF-Token\` on writes. The tenant always comes from the credentials; a platform admin may act inside another with \`X-Iota-Tenant: <slug>\`. Another tenant's id answers 404, exactly like a missing one.

**Errors** are \`{"error": {"code", "message", "field"?, "details"?}}\`: \`code\` is stable, \`field\` names the request field at fault as a dotted path (\`tags.team\`, \`events[1].type\`), and a refusal that says when to come back (429, 503) carries \`Retry-After\` and \`details.retryAfterSeconds\`. A fault of ours answers \`500 INTERNAL\` with a request id, never a stack.`;

/** The document, built from `routes`. */
export function openApiDocument(version = "1") {
  const paths: Record<string, Record<string, Route["operation"]>> = {};
  for (const { path, method, operation } of routes) (paths[path] ??= {})[method] = operation;
  return createDocument({
    openapi: "3.1.0",
    info: { title: "iota-scripts API", version, description },
    servers: [{ url: "/", description: "The server that serves this document" }],
    tags: [
      { name: "Session", description: "Signing in to the admin, and who the caller is." },
      { name: "Tenants", description: "Tenants, their settings, budgets and usage; runner processes." },
      { name: "Tokens", description: "API tokens: shown once, stored hashed." },
      { name: "Users", description: "People who sign in, and their roles in the tenant." },
      { name: "Scripts", description: "Scripts, their immutable versions, schedules and manual runs." },
      { name: "Executions", description: "The record of every run; live streams; dead letters." },
      { name: "Secrets", description: "Tenant secrets: written here, read only by the platform and scripts." },
      { name: "Public", description: "What outsiders and platform services call: HTTP endpoints, embedded calls, events." },
      { name: "Operations", description: "Health, readiness, metrics and this document." },
    ],
    paths,
    components: {
      securitySchemes: {
        bearerToken: { type: "http", scheme: "bearer", description: "An API token (`POST /admin/api/tokens`)." },
        sessionCookie: {
          type: "apiKey",
          in: "cookie",
          name: "iota_session",
          description: "The admin's session (`POST /admin/api/session`); writes also send `X-CSRF-Token` with the session's token.",
        },
      },
    },
  });
}
