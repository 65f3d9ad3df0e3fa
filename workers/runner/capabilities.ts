// The only things a script isolate can reach, made per tenant by the platform: `SDK` (data,
// kv, secrets, events) and the egress route for fetch(). The tenant travels in the
// entrypoints' props, set here, so no script can name another tenant.
import { WorkerEntrypoint } from "cloudflare:workers";
import { utf8Bytes } from "../../protocol/run.ts";

export interface RunnerEnv {
  LOADER: WorkerLoader;
  MARKER: string;
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

export class Sdk extends WorkerEntrypoint<RunnerEnv, TenantProps> {
  async call(executionId: string, scriptId: string, scriptName: string, method: string, args: unknown[]): Promise<unknown> {
    const body = JSON.stringify({ caller: { ...this.ctx.props, executionId: String(executionId), scriptId: String(scriptId), scriptName: String(scriptName) }, method, args });
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
    const headers = new Headers();
    for (const [name, value] of request.headers) if (!name.toLowerCase().startsWith("x-iota-") || name.toLowerCase() === "x-iota-execution") headers.append(name, value);
    headers.set("x-iota-tenant", this.ctx.props.tenantId);
    headers.set("x-iota-target", request.url);
    headers.set("x-iota-egress-secret", this.env.EGRESS_SECRET);
    return this.env.EGRESS.fetch("http://egress/", { method: request.method, headers, body: request.body, redirect: "manual" });
  }
}
