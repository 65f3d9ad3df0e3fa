// Calls from the host only (it holds the per-start secret): the periodic tick that starts
// waiting executions (on Cloudflare the scheduled() handler does the same work), and what the
// host needs of the domain without touching its tables: the start-up bootstrap, the alert
// outbox its sender drains, tenants' egress lists for its egress proxy, and where it can be
// reached by the other hosts on the database.
import { Hono } from "hono";
import { AppError } from "../../protocol/errors.ts";
import type { AppEnv } from "../types.ts";
import { tick } from "../tick.ts";
import type { SdkCaller } from "../domain/sdk-backend.ts";
import { readJsonBody } from "./body.ts";
import { noteLeftoverWork } from "../domain/execution-notes.ts";
import { bootstrap, bootstrapRequest } from "../domain/bootstrap.ts";
import { egressPolicyOf } from "../domain/egress-policy.ts";
import type { DeliveryReport } from "../domain/alerts.ts";
import { announceHost, hostAnnouncement } from "../domain/hosts.ts";

function deliveryReports(body: unknown): DeliveryReport[] {
  const reports = (body as { reports?: unknown } | null)?.reports;
  if (!Array.isArray(reports) || reports.length > 100) throw new AppError("BAD_REQUEST", "reports must be a list of at most 100");
  return reports.map((r: { id?: unknown; lease?: unknown; error?: unknown }, i) => {
    if (typeof r?.id !== "string" || typeof r.lease !== "string" || (r.error !== undefined && typeof r.error !== "string"))
      throw new AppError("BAD_REQUEST", `reports[${i}] needs id and lease (strings) and may have error (a string)`);
    return { id: r.id, lease: r.lease, error: r.error };
  });
}

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
  // Once per host start, after the dispatcher is up: the first tenant, token and admin user of an
  // empty database, and the runs the host's previous life left running, closed as interrupted.
  api.post("/bootstrap", async (c) => {
    const request = bootstrapRequest(await readJsonBody(c.req.raw, 8192));
    return c.json(await bootstrap(c.get("services").db, c.env.HOST_ID ?? null, request));
  });
  // The host is up, and where the other hosts on this database reach it for live views of its runs.
  api.post("/hosts/announce", async (c) => {
    const { hostId, peerAddress } = hostAnnouncement(await readJsonBody(c.req.raw, 2048));
    await announceHost(c.get("services").db, hostId, peerAddress);
    return c.json({ ok: true });
  });
  // The alert outbox: the host's sender leases what is due, sends it, and reports each outcome.
  api.post("/alerts/claim", async (c) => {
    const { limit } = ((await readJsonBody(c.req.raw, 1024)) ?? {}) as { limit?: unknown };
    return c.json({ deliveries: await c.get("services").alerts.claimDeliveries(typeof limit === "number" ? limit : 20) });
  });
  api.post("/alerts/report", async (c) => {
    const alerts = c.get("services").alerts;
    const reports = deliveryReports(await readJsonBody(c.req.raw, 256 * 1024));
    const recorded = [];
    for (const report of reports) recorded.push(await alerts.reportDelivery(report));
    return c.json({ recorded });
  });
  // A tenant's own egress lists, for the host's egress proxy (through the tenant cache).
  api.get("/egress-policy/:tenant", async (c) => c.json(await egressPolicyOf(c.get("services").tenants, c.req.param("tenant"))));
  api.post("/tick", async (c) => {
    return c.json(await tick(c.get("services"), (work) => c.executionCtx.waitUntil(work)));
  });
  return api;
}
