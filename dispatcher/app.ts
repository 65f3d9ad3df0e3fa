// The dispatcher's HTTP surface.
import { Hono } from "hono";
import { authenticate } from "./middleware/auth/index.ts";
import { errorResponse, notFoundResponse } from "./middleware/errors/index.ts";
import { accessRoutes } from "./routes/access.ts";
import { adminAssetRoutes } from "./routes/admin-assets.ts";
import { executionRoutes } from "./routes/executions.ts";
import { internalRoutes } from "./routes/internal.ts";
import { healthRoutes } from "./routes/health.ts";
import { publicRoutes } from "./routes/endpoints.ts";
import { openApiRoutes } from "./routes/openapi.ts";
import { operationRoutes } from "./routes/operations.ts";
import { scriptRoutes } from "./routes/scripts.ts";
import { sessionRoutes } from "./routes/session.ts";
import { trialRoutes } from "./routes/trials.ts";
import { newId } from "./domain/secrets.ts";
import { servicesFor } from "./services.ts";
import type { AppEnv } from "./types.ts";

/** The only management call that needs no credentials: signing in. */
const publicCalls = new Set(["POST /admin/api/session"]);

export function createApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use("*", async function context(c, next) {
    c.set("requestId", c.req.header("x-request-id")?.slice(0, 64) || newId("req"));
    c.set("services", servicesFor(c.env));
    await next();
    c.header("x-request-id", c.get("requestId"));
  });
  app.route("/", healthRoutes());
  // Public, like the health checks: before the management API's credentials are asked for.
  app.route("/", openApiRoutes());

  const auth = authenticate();
  app.use("/admin/api/*", (c, next) => (publicCalls.has(`${c.req.method} ${c.req.path}`) ? next() : auth(c, next)));
  for (const routes of [sessionRoutes(), accessRoutes(), scriptRoutes(), trialRoutes(), executionRoutes(), operationRoutes()]) app.route("/admin/api", routes);
  app.route("/", publicRoutes());

  app.route("/internal", internalRoutes());
  app.route("/", adminAssetRoutes());

  app.notFound(notFoundResponse);
  app.onError(errorResponse);
  return app;
}
