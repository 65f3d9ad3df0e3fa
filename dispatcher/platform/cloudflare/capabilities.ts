// What a script isolate can reach on Cloudflare, made per tenant by the dispatcher that loads it:
// `SDK` (answered by the domain's SDK backend in this same worker, no HTTP hop), `globalOutbound`
// (the egress policy, run here), and a streaming tail that brings the harness's live lines back
// (logs, progress). The tenant travels in the entrypoints' props, set by the platform when the
// isolate is loaded; nothing in the isolate can change them.
//
// As on a local runner, who a call is from is taken from the executions this isolate is running,
// each with a key only its harness holds (a script can reach `env.SDK` itself), never from the
// call. The entrypoints are reached through `ctx.exports`, a loopback into this worker, so they
// see the same module state as the request that started the run.
import { WorkerEntrypoint } from "cloudflare:workers";
import { readLiveLine as parseLiveLine } from "../../../protocol/live-lines.ts";
import { runCaps, utf8Bytes, type LogEntry, type OutboundRecord, type Progress } from "../../../protocol/run.ts";
import { captureFetch, keepEffect, noteSecret, type ShadowRecord } from "../../../workers/runner/shadow.ts";
import type { SdkCaller } from "../../domain/sdk-backend.ts";
import type { Env } from "../../env.ts";
import { servicesFor } from "../../services.ts";
import { egressExchange } from "./egress.ts";

export interface CloudflareTenantProps {
  tenantId: string;
  tenantSlug: string;
  /** The isolate of a draft being tried: its writes and fetches are captured, not made. */
  shadow?: boolean;
}

/** One execution running in this isolate: who it is, and what the platform keeps of it live. */
export interface InFlight {
  key: string;
  logKey: string;
  tenantId: string;
  scriptId: string;
  scriptName: string;
  shadow?: ShadowRecord;
  /** The live copy, from the harness's lines: a prefix of the record, in order. */
  logs: LogEntry[];
  progress: Progress | null;
  /** Set by the harness's first line: the execution got its isolate. */
  started: boolean;
  outbound: OutboundRecord[];
  /** How many requests the egress refused or made for it (records past the cap are counted only). */
  requests: number;
}

export const inflight = new Map<string, InFlight>();

/** Outbound records kept per execution, as locally; more are counted, not listed. */
export const maxOutboundRecords = 200;

function runningAs(props: CloudflareTenantProps, executionId: unknown, key: unknown): (InFlight & { executionId: string }) | undefined {
  const running = typeof executionId === "string" ? inflight.get(executionId) : undefined;
  if (!running || typeof key !== "string" || key !== running.key || running.tenantId !== props.tenantId) return undefined;
  // A shadow execution acts only through a shadow isolate's capabilities, and a live one only
  // through a live isolate's.
  if ((props.shadow === true) !== (running.shadow !== undefined)) return undefined;
  return { ...running, executionId: executionId as string };
}

const refused = (message: string) => Response.json({ error: { code: "FORBIDDEN", message } }, { status: 403, headers: { "x-iota-egress-refused": "1" } });

function fault(event: string, error: unknown): void {
  console.error(JSON.stringify({ level: "error", event, error: error instanceof Error ? error.message : String(error) }));
}

/** `env.SDK` of a script isolate: the harness's `call(executionId, key, method, args)`. */
export class CloudflareSdk extends WorkerEntrypoint<Env, CloudflareTenantProps> {
  async call(executionId: string, key: string, method: string, args: unknown[]): Promise<unknown> {
    const running = runningAs(this.ctx.props, executionId, key);
    if (!running) return { ok: false, error: { code: "FORBIDDEN", message: "SDK calls are made through ctx, by an execution still running" } };
    const caller: SdkCaller = {
      tenantId: this.ctx.props.tenantId,
      tenantSlug: this.ctx.props.tenantSlug,
      scriptId: running.scriptId,
      scriptName: running.scriptName,
      executionId: running.executionId,
      shadow: this.ctx.props.shadow === true,
    };
    // The same cap as the local runner's hop: an SDK call's arguments are at most 2 MB as JSON.
    let size: number;
    try {
      size = utf8Bytes(JSON.stringify(args ?? null));
    } catch {
      return { ok: false, error: { code: "VALIDATION_FAILED", message: "an SDK call's arguments must be JSON values", field: "args" } };
    }
    if (size > 2 * 1024 * 1024) return { ok: false, error: { code: "PAYLOAD_TOO_LARGE", message: "an SDK call's arguments are at most 2 MB as JSON" } };
    let answer: Awaited<ReturnType<ReturnType<typeof servicesFor>["sdk"]["call"]>>;
    try {
      answer = await servicesFor(this.env).sdk.call(caller, method, args, (work) => this.ctx.waitUntil(work));
    } catch (error) {
      fault("sdk.failed", error);
      return { ok: false, error: { code: "SDK_UNAVAILABLE", message: "the platform could not answer; try again" } };
    }
    const record = running.shadow;
    if (!record) return answer;
    // The captured list is kept here, out of the script's reach; the script gets only the answer.
    const { captured, ...toScript } = answer as typeof answer & { captured?: true };
    if (captured) keepEffect(record, { call: method, args, answered: (answer as { value?: unknown }).value });
    else if (method === "secrets.get" && answer.ok) noteSecret(record, answer.value);
    return toScript;
  }
}

/** The `globalOutbound` of a script isolate: every fetch() it makes comes here. */
export class CloudflareEgress extends WorkerEntrypoint<Env, CloudflareTenantProps> {
  override async fetch(request: Request): Promise<Response> {
    // Only the harness, which alone has the key, can name a running execution.
    const [executionId, key] = (request.headers.get("x-iota-execution") ?? "").split(".", 2);
    const running = runningAs(this.ctx.props, executionId, key);
    if (!running) return refused(`fetch to ${request.url} refused: requests are made by an execution while it runs`);
    const headers = new Headers();
    for (const [name, value] of request.headers) if (!name.toLowerCase().startsWith("x-iota-")) headers.append(name, value);
    if (running.shadow || this.ctx.props.shadow) {
      return running.shadow
        ? captureFetch(running.shadow, request, headers)
        : refused(`fetch to ${request.url} refused: a draft being tried never reaches the network`);
    }
    const entry = inflight.get(running.executionId)!;
    try {
      return await egressExchange(this.env, request, headers, { tenantId: running.tenantId, executionId: running.executionId }, (record) => {
        entry.requests++;
        if (entry.outbound.length < maxOutboundRecords) entry.outbound.push(record);
      });
    } catch (error) {
      fault("egress.failed", error);
      return Response.json(
        { error: { code: "EGRESS_FAILED", message: `fetch to ${request.url} failed: the request could not be completed` } },
        { status: 403, headers: { "x-iota-egress-refused": "1" } },
      );
    }
  }
}

/**
 * The streaming tail of a script isolate. The harness writes its live copy as console lines
 * (protocol/live-lines.ts: L a log line, P progress, S started); each
 * counts only with its execution's own log key, and only for the tenant the isolate is loaded
 * for, so no script can write into another's record. Anything else a script prints is ignored:
 * what it logs through console is in those lines already.
 */
export class CloudflareScriptLogs extends WorkerEntrypoint<Env, CloudflareTenantProps> {
  tailStream(_onset: unknown): (event: { event: { type: string; message?: unknown } }) => void {
    const tenantId = this.ctx.props.tenantId;
    const marker = liveMarker();
    return (event) => {
      if (event.event.type !== "log") return;
      const message = event.event.message;
      const line = Array.isArray(message) ? message[0] : message;
      if (typeof line === "string") readLiveLine(line, marker, tenantId);
    };
  }
}

let marker: string | undefined;
/**
 * The marker the harness puts on its live lines: per isolate of this worker, never shown to
 * scripts. Made at first use (a Worker may not make random values at start-up).
 */
export function liveMarker(): string {
  marker ??= crypto.randomUUID();
  return marker;
}

/** Applies one live line to its execution; false when it is not one of ours. */
export function readLiveLine(line: string, marker: string, tenantId: string): boolean {
  const read = parseLiveLine(line, marker);
  if (read === undefined) return false;
  if (read === null) return true;
  const entry = inflight.get(read.executionId);
  if (!entry || read.key !== entry.logKey || entry.tenantId !== tenantId) return true;
  if (read.kind === "S") entry.started = true;
  // A line cut short has no data: nothing to recover, the record has it.
  else if (read.data === undefined) return true;
  else if (read.kind === "P") entry.progress = read.data as Progress;
  else if (entry.logs.length < runCaps.maxLogLines) entry.logs.push(read.data as LogEntry);
  return true;
}
