// Calls from the host only (it holds the per-start secret): the periodic tick that starts
// waiting executions. On Cloudflare the scheduled() handler does the same work.
import { Hono } from "hono";
import { AppError } from "../../protocol/errors.ts";
import type { AppEnv } from "../types.ts";
import { tick } from "../tick.ts";
import type { SdkCaller } from "../domain/sdk-backend.ts";
import { readJsonBody } from "./body.ts";
import { noteLeftoverWork } from "../domain/execution-notes.ts";

export function internalRoutes(): Hono<AppEnv> {
  const api = new Hono<AppEnv>();
  api.use("*", async function hostOnly(c, next) {
    const secret = c.env.HOST_SECRET;
    if (!secret || c.req.header("x-iota-host-secret") !== secret) throw new AppError("NOT_FOUND", "not found");
    await next();
  });
  // A script's SDK call, forwarded by its runner with the tenant from the isolate's capability.
  api.post("/sdk", async (c) => {
    const { caller, method, args } = (await readJsonBody(c.req.raw, 2 * 1024 * 1024)) as { caller: SdkCaller; method: unknown; args: unknown };
    return c.json(await c.get("services").sdk.call(caller, method, args, (work) => c.executionCtx.waitUntil(work)));
  });
  // The host stopped a runner for work a script left running: its execution's record says so.
  api.post("/leftover-work", async (c) => {
    const { tenantId, executionId } = (await readJsonBody(c.req.raw, 4096)) as { tenantId: unknown; executionId: unknown };
    if (typeof tenantId !== "string" || typeof executionId !== "string") throw new AppError("BAD_REQUEST", "tenantId and executionId are required");
    await noteLeftoverWork(c.get("services").db, tenantId, executionId);
    return c.json({ ok: true });
  });
  api.post("/tick", async (c) => {
    return c.json(await tick(c.get("services"), (work) => c.executionCtx.waitUntil(work)));
  });
  return api;
}
