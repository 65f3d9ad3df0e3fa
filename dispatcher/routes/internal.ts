// Calls from the host only (it holds the per-start secret): the periodic tick that starts
// waiting executions. On Cloudflare the scheduled() handler does the same work.
import { Hono } from "hono";
import { AppError } from "../../protocol/errors.ts";
import type { AppEnv } from "../types.ts";

export function internalRoutes(): Hono<AppEnv> {
  const api = new Hono<AppEnv>();
  api.use("*", async function hostOnly(c, next) {
    const secret = c.env.HOST_SECRET;
    if (!secret || c.req.header("x-iota-host-secret") !== secret) throw new AppError("NOT_FOUND", "not found");
    await next();
  });
  api.post("/tick", async (c) => {
    const { runs, scheduler } = c.get("services");
    const background = (work: Promise<unknown>) => c.executionCtx.waitUntil(work);
    const slots = await scheduler.tick(background);
    const started = await runs.drain(background);
    return c.json({ slots, started });
  });
  return api;
}
