// The only things a script isolate can reach, made per tenant by the platform: `SDK` (data,
// kv, secrets, events) and the egress route for fetch(). The tenant travels in the
// entrypoints' props, set here, so no script can name another tenant.
import { WorkerEntrypoint } from "cloudflare:workers";
import { utf8Bytes, type OutboundRecord } from "../../protocol/run.ts";
import { captureFetch, keepEffect, noteSecret, type ShadowRecord } from "./shadow.ts";

export interface RunnerEnv {
  LOADER: WorkerLoader;
  MARKER: string;
  /** Per-start secret the host sends with every job; nothing else may run code here. */
  RUNNER_SECRET: string;
  COMPATIBILITY_DATE: string;
  /** The dispatcher, which answers SDK calls. */
  DISPATCHER: Fetcher;
  HOST_SECRET: string;
  /** The host's egress proxy: the policy every outbound request passes. */
  EGRESS: Fetcher;
  EGRESS_SECRET: string;
}

export interface TenantProps {
  tenantId: string;
  tenantSlug: string;
  /**
   * Set by this runner for the isolate of a shadow job (a draft being tried): its SDK writes and
   * fetches are captured, not made. Props are the platform's; nothing in the isolate changes them.
   */
  shadow?: boolean;
}

interface Running {
  key: string;
  tenantId: string;
  scriptId: string;
  scriptName: string;
  /** A shadow execution's captured effects; absent for a live one. */
  shadow?: ShadowRecord;
  /** Its outbound requests as the egress proxy recorded them, for its result. */
  outbound: OutboundRecord[];
}

/** Outbound records kept per execution; more are counted by the proxy, not listed. */
const maxOutboundRecords = 200;
const recordsHeader = "x-iota-egress-records";

/**
 * The executions running in this process, each with a key only its harness holds. A call names
 * its execution and key; who the caller is (script, execution) comes from here, never from the
 * call, because a script can reach these entrypoints itself (`import { env } from
 * "cloudflare:workers"`) and would otherwise speak as any execution of its tenant.
 */
export const runningExecutions = new Map<string, Running>();

function runningAs(props: TenantProps, executionId: unknown, key: unknown) {
  const running = typeof executionId === "string" ? runningExecutions.get(executionId) : undefined;
  if (!running || typeof key !== "string" || key !== running.key || running.tenantId !== props.tenantId) return undefined;
  // A shadow execution acts only through a shadow isolate's capabilities, and a live one only
  // through a live isolate's: neither can borrow the other's.
  if ((props.shadow === true) !== (running.shadow !== undefined)) return undefined;
  return { executionId: executionId as string, scriptId: running.scriptId, scriptName: running.scriptName, shadow: running.shadow, outbound: running.outbound };
}

export class Sdk extends WorkerEntrypoint<RunnerEnv, TenantProps> {
  async call(executionId: string, key: string, method: string, args: unknown[]): Promise<unknown> {
    const running = runningAs(this.ctx.props, executionId, key);
    if (!running) return { ok: false, error: { code: "FORBIDDEN", message: "SDK calls are made through ctx, by an execution still running" } };
    const { shadow: record, outbound: _outbound, ...caller } = running;
    const body = JSON.stringify({ caller: { ...this.ctx.props, ...caller, shadow: this.ctx.props.shadow === true }, method, args });
    if (body.length > (2 * 1024 * 1024) / 3 && utf8Bytes(body) > 2 * 1024 * 1024)
      return { ok: false, error: { code: "PAYLOAD_TOO_LARGE", message: "an SDK call's arguments are at most 2 MB as JSON" } };
    const response = await this.env.DISPATCHER.fetch("http://dispatcher/internal/sdk", {
      method: "POST",
      headers: { "content-type": "application/json", "x-iota-host-secret": this.env.HOST_SECRET },
      body,
    });
    if (!response.ok) return { ok: false, error: { code: "SDK_UNAVAILABLE", message: `the platform could not answer (${response.status}); try again` } };
    const answer = (await response.json()) as { ok: boolean; value?: unknown; captured?: boolean };
    if (!record) return answer;
    // The backend says which calls of a shadow caller it captured; the list is kept here, out of
    // the script's reach, and the script gets only the answer.
    const { captured, ...toScript } = answer;
    if (captured) keepEffect(record, { call: method, args, answered: answer.value });
    else if (method === "secrets.get" && answer.ok) noteSecret(record, answer.value);
    return toScript;
  }
}

export class Egress extends WorkerEntrypoint<RunnerEnv, TenantProps> {
  override async fetch(request: Request): Promise<Response> {
    // Only the harness, which alone has the key, can name a running execution: a request that
    // does not (a script that found the runtime's own fetch, work left running after its
    // execution ended) has no one to be filed under and is refused.
    const [executionId, key] = (request.headers.get("x-iota-execution") ?? "").split(".", 2);
    const caller = runningAs(this.ctx.props, executionId, key);
    if (!caller) {
      return Response.json(
        { error: { code: "FORBIDDEN", message: `fetch to ${request.url} refused: requests are made by an execution while it runs` } },
        { status: 403, headers: { "x-iota-egress-refused": "1" } },
      );
    }
    const headers = new Headers();
    for (const [name, value] of request.headers) if (!name.toLowerCase().startsWith("x-iota-")) headers.append(name, value);
    // A draft being tried never reaches the network: its request is recorded and answered here.
    if (caller.shadow || this.ctx.props.shadow) return caller.shadow ? captureFetch(caller.shadow, request, headers) : refusedForShadow(request);
    headers.set("x-iota-execution", caller.executionId);
    headers.set("x-iota-tenant", this.ctx.props.tenantId);
    headers.set("x-iota-target", request.url);
    headers.set("x-iota-egress-secret", this.env.EGRESS_SECRET);
    const answer = await this.env.EGRESS.fetch("http://egress/", { method: request.method, headers, body: request.body, redirect: "manual" });
    return fileRecords(answer, caller.outbound);
  }
}

/**
 * The proxy sends each request's records (one per redirect hop) with its answer: they go into the
 * execution's result here, and the header never reaches the script.
 */
function fileRecords(answer: Response, outbound: OutboundRecord[]): Response {
  const raw = answer.headers.get(recordsHeader);
  if (raw === null) return answer;
  try {
    const records = JSON.parse(decodeURIComponent(raw)) as (OutboundRecord & { hop?: number; executionId?: string; tenantId?: string })[];
    for (const { hop: _hop, executionId: _e, tenantId: _t, ...record } of records) if (outbound.length < maxOutboundRecords) outbound.push(record);
  } catch {
    // a record we cannot read costs the record, never the answer
  }
  const headers = new Headers(answer.headers);
  headers.delete(recordsHeader);
  return new Response(answer.body, { status: answer.status, statusText: answer.statusText, headers });
}

/** Cannot happen (runningAs pairs shadow props with shadow executions), and still refused. */
function refusedForShadow(request: Request): Response {
  return Response.json(
    { error: { code: "FORBIDDEN", message: `fetch to ${request.url} refused: a draft being tried never reaches the network` } },
    { status: 403, headers: { "x-iota-egress-refused": "1" } },
  );
}
