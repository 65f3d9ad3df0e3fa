// Trying a draft on a script's recent real inputs (shadow mode), and reading a trial back.
import { Hono } from "hono";
import { trialParams, tryRequest } from "../../protocol/schemas/try.ts";
import type { AppEnv } from "../types.ts";
import { requires } from "./guards.ts";
import { json, params } from "./validate.ts";

export function trialRoutes(): Hono<AppEnv> {
  const api = new Hono<AppEnv>();
  api.post("/scripts/:id/try", requires("scripts.write"), json(tryRequest), async (c) =>
    c.json(await c.get("services").trials.try(c.get("principal"), c.req.param("id"), c.req.valid("json"))),
  );
  // A trial shows live executions' outputs beside the draft's: it is read like history.
  api.get("/scripts/:id/trials/:trialId", requires("executions.read"), params(trialParams), async (c) => {
    const { id, trialId } = c.req.valid("param");
    return c.json(await c.get("services").trials.get(c.get("principal"), id, trialId));
  });
  return api;
}
