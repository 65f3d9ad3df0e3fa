// For load balancers and monitoring: liveness, readiness and Prometheus metrics.
import { Hono } from "hono";
import { sql } from "drizzle-orm";
import { requirePlatformAdmin } from "../domain/principal.ts";
import { renderMetrics } from "../domain/metrics.ts";
import { authenticate } from "../middleware/auth/index.ts";
import type { AppEnv } from "../types.ts";

export function healthRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/healthz", (c) => c.json({ status: "ok" }));

  app.get("/readyz", async (c) => {
    const { db, runs } = c.get("services");
    const checks: Record<string, string> = {};
    try {
      await db.run(sql`SELECT 1`);
      checks.database = "ok";
    } catch (e) {
      checks.database = `unreachable: ${(e as Error).message}`;
    }
    try {
      const stats = await runs.runner.stats();
      checks.runners = c.env.HOST && !stats.shards.some((s) => s.pid !== undefined) ? "none up" : "ok";
    } catch (e) {
      checks.runners = `unreachable: ${(e as Error).message}`;
    }
    const ready = Object.values(checks).every((v) => v === "ok");
    return c.json({ status: ready ? "ready" : "not ready", checks }, ready ? 200 : 503);
  });

  app.get("/metrics", authenticate(), async (c) => {
    requirePlatformAdmin(c.get("principal"));
    const { db, runs } = c.get("services");
    return c.body(await renderMetrics(db, await runs.runner.stats()), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
  });
  return app;
}
