// Server-sent events for one execution: its log lines and progress as they happen, then the
// final record. Live lines come from the runner gateway: this host's runners, or, for a run on
// another host sharing the database, that host, asked by this one (host/peer-relay.ts) once the
// tenant check here has passed. A host gone quiet has no live lines to give; the stored record
// closes the stream either way.
import type { Context } from "hono";
import { streamSSE, type SSEStreamingApi } from "hono/streaming";
import type { ExecutionDetail } from "../../protocol/api.ts";
import { AppError } from "../../protocol/errors.ts";
import type { Principal } from "../domain/principal.ts";
import { livePeer } from "../domain/hosts.ts";
import type { LivePeer } from "../../protocol/live-peers.ts";
import type { Services } from "../services.ts";
import type { AppEnv } from "../types.ts";

const pollMs = 200;
const maxStreamMs = 16 * 60_000;
// A client that went away is noticed only when something is written to it: a comment line at
// least this often, so its slot comes back within a second or two (and proxies keep it open).
const heartbeatMs = 1_000;
/** How often a view of a run whose host is not reachable looks again for where it is. */
const reresolveMs = 5_000;

// Each live stream polls the database and the runner five times a second for up to 16 minutes,
// so how many may be open at once is capped: per tenant, so one tenant cannot use up the rest,
// and per isolate, which is what serves them. A slot is taken before the stream starts and given
// back when it ends, whether the execution finished or the client went away.
const streamLimits = { tenant: 10, isolate: 100 } as const;
const open = { total: 0, byTenant: new Map<string, number>() };

function takeSlot(tenantId: string): () => void {
  const mine = open.byTenant.get(tenantId) ?? 0;
  if (mine >= streamLimits.tenant)
    throw tooMany(`this tenant has ${streamLimits.tenant} live execution streams open, the most it may`, streamLimits.tenant, "tenant");
  if (open.total >= streamLimits.isolate)
    throw tooMany(`the server has ${streamLimits.isolate} live execution streams open, the most it serves at once`, streamLimits.isolate, "server");
  open.total++;
  open.byTenant.set(tenantId, mine + 1);
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    open.total--;
    const left = (open.byTenant.get(tenantId) ?? 1) - 1;
    if (left > 0) open.byTenant.set(tenantId, left);
    else open.byTenant.delete(tenantId);
  };
}

function tooMany(what: string, limit: number, scope: string): AppError {
  return new AppError("RATE_LIMITED", `${what}; close one (or wait for it to end) and try again, or read GET /admin/api/executions/:id instead`, {
    details: { limit, scope, retryAfterSeconds: 5 },
  });
}

export function streamExecution(c: Context<AppEnv>, principal: Principal, first: ExecutionDetail): Response {
  // A finished execution's stream is one answer, not a live one: it takes no slot.
  const unfinished = first.status === "queued" || first.status === "running";
  const release = unfinished ? takeSlot(principal.tenant.id) : () => {};
  c.req.raw.signal?.addEventListener("abort", release);
  return streamSSE(c, async (stream) => {
    stream.onAbort(release);
    try {
      await follow(stream, c.get("services"), principal, first);
    } finally {
      release();
    }
  });
}

/** Where a running execution's live lines are: here, on another host, or nowhere reachable. */
type LiveSource = { from: "here" } | { from: "peer"; peer: LivePeer } | { from: "record" };

async function liveSource({ executions, admission, db }: Services, tenantId: string, id: string): Promise<LiveSource> {
  // Tenant-scoped like the record read before it: another tenant's id is not found.
  const { hostId } = await executions.whereIs(tenantId, id);
  if (hostId === null || hostId === admission.hostId) return { from: "here" };
  const peer = await livePeer(db, hostId);
  return peer ? { from: "peer", peer } : { from: "record" };
}

async function follow(stream: SSEStreamingApi, services: Services, principal: Principal, first: ExecutionDetail): Promise<void> {
  const { executions, runs } = services;
  let sent = 0;
  let progressSent = "";
  let execution = first;
  // Known once it runs: a queued execution has no host yet.
  let source: LiveSource | undefined;
  let resolvedAt = 0;
  const started = Date.now();
  let beat = started;
  while (!stream.aborted && Date.now() - started < maxStreamMs) {
    if (execution.status !== "queued" && execution.status !== "running") break;
    // A host not heard from may only not have said where it is yet: asked again now and then.
    if (execution.status === "running" && (!source || (source.from === "record" && Date.now() - resolvedAt >= reresolveMs))) {
      source = await liveSource(services, principal.tenant.id, execution.id);
      resolvedAt = Date.now();
    }
    const live = source && source.from !== "record" ? await runs.runner.live(execution.id, sent, source.from === "peer" ? source.peer : undefined) : undefined;
    for (const line of live?.logs ?? []) await stream.writeSSE({ event: "log", data: JSON.stringify(line) });
    sent += live?.logs.length ?? 0;
    const progress = JSON.stringify(live?.progress);
    if (live?.progress && progress !== progressSent) {
      await stream.writeSSE({ event: "progress", data: progress });
      progressSent = progress;
    }
    if (Date.now() - beat >= heartbeatMs) {
      await stream.write(": still running\n\n");
      beat = Date.now();
    }
    await stream.sleep(pollMs);
    execution = await executions.get(principal, execution.id);
  }
  if (stream.aborted) return;
  // The stored lines are the same lines in the same order; send those not yet sent.
  for (const line of execution.logs.slice(sent)) await stream.writeSSE({ event: "log", data: JSON.stringify(line) });
  if (execution.progress && JSON.stringify(execution.progress) !== progressSent) {
    await stream.writeSSE({ event: "progress", data: JSON.stringify(execution.progress) });
  }
  await stream.writeSSE({ event: "end", data: JSON.stringify(execution) });
}
