// The only things a script isolate can reach, made per tenant by the platform: `SDK` (data,
// kv, secrets, events) and the egress route for fetch(). The tenant travels in the
// entrypoints' props, set here, so no script can name another tenant.
import { WorkerEntrypoint } from "cloudflare:workers";
import { utf8Bytes } from "../../protocol/run.ts";

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
}

/**
 * The executions running in this process, each with a key only its harness holds. A call names
 * its execution and key; who the caller is (script, execution) comes from here, never from the
 * call, because a script can reach these entrypoints itself (`import { env } from
 * "cloudflare:workers"`) and would otherwise speak as any execution of its tenant.
 */
export const runningExecutions = new Map<string, { key: string; tenantId: string; scriptId: string; scriptName: string }>();

function runningAs(props: TenantProps, executionId: unknown, key: unknown) {
  const running = typeof executionId === "string" ? runningExecutions.get(executionId) : undefined;
  if (!running || typeof key !== "string" || key !== running.key || running.tenantId !== props.tenantId) return undefined;
  return { executionId: executionId as string, scriptId: running.scriptId, scriptName: running.scriptName };
}

export class Sdk extends WorkerEntrypoint<RunnerEnv, TenantProps> {
  async call(executionId: string, key: string, method: string, args: unknown[]): Promise<unknown> {
    const caller = runningAs(this.ctx.props, executionId, key);
    if (!caller) return { ok: false, error: { code: "FORBIDDEN", message: "SDK calls are made through ctx, by an execution still running" } };
    const body = JSON.stringify({ caller: { ...this.ctx.props, ...caller }, method, args });
    if (body.length > (2 * 1024 * 1024) / 3 && utf8Bytes(body) > 2 * 1024 * 1024) return { ok: false, error: { code: "PAYLOAD_TOO_LARGE", message: "an SDK call's arguments are at most 2 MB as JSON" } };
    const response = await this.env.DISPATCHER.fetch("http://dispatcher/internal/sdk", {
      method: "POST",
      headers: { "content-type": "application/json", "x-iota-host-secret": this.env.HOST_SECRET },
      body,
    });
    if (!response.ok) return { ok: false, error: { code: "SDK_UNAVAILABLE", message: `the platform could not answer (${response.status}); try again` } };
    return response.json();
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
    headers.set("x-iota-execution", caller.executionId);
    headers.set("x-iota-tenant", this.ctx.props.tenantId);
    headers.set("x-iota-target", request.url);
    headers.set("x-iota-egress-secret", this.env.EGRESS_SECRET);
    return this.env.EGRESS.fetch("http://egress/", { method: request.method, headers, body: request.body, redirect: "manual" });
  }
}
