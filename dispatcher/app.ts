// The dispatcher's HTTP surface.
import { Hono } from "hono";
import { errorResponse, notFoundResponse } from "./middleware/errors/index.ts";
import { managementRoutes } from "./routes/management.ts";
import { newId } from "./domain/secrets.ts";
import { servicesFor } from "./services.ts";
import type { AppEnv } from "./types.ts";

export function createApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use("*", async function context(c, next) {
    c.set("requestId", c.req.header("x-request-id")?.slice(0, 64) || newId("req"));
    c.set("services", servicesFor(c.env));
    await next();
    c.header("x-request-id", c.get("requestId"));
  });
  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.route("/admin/api", managementRoutes());
  app.notFound(notFoundResponse);
  app.onError(errorResponse);
  return app;
}
