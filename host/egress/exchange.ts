// One script request, start to finish: parse, count, judge, send, and judge again at every
// redirect. The transport is handed in, so this file decides everything and touches no socket.
import type { OperatorEntry, TenantEgressPolicy } from "./allow-lists.ts";
import { headerValue, type HeaderList } from "./headers.ts";
import type { EgressLimits, RequestCounter } from "./limits.ts";
import { decide, type Resolver } from "./policy.ts";
import { isFollowedRedirect, redirectedHop, type Hop } from "./redirects.ts";
import { refusal, UpstreamFailure, type EgressCode, type Refusal } from "./refusal.ts";
import { parseTarget, type Target } from "./target.ts";

export interface ScriptRequest {
  tenantId: string;
  executionId: string;
  method: string;
  /** The absolute URL the script fetched, as the proxy received it. */
  url: string;
  headers: HeaderList;
  body: Uint8Array | null;
  /** How big the script's body is; more than `body` holds when it was too big to keep. */
  bodyBytes: number;
}

export interface UpstreamResponse {
  status: number;
  statusText: string;
  headers: HeaderList;
  body: Uint8Array;
}

/** Sends one hop to exactly `pinned`; rejects with UpstreamFailure (or anything, on abort). */
export type Send = (hop: Hop, target: Target, pinned: { address: string; family: 4 | 6 }, signal: AbortSignal) => Promise<UpstreamResponse>;

/** One outbound request as the execution's record shows it. Redirect hops are records of their own. */
export interface EgressRecord {
  executionId: string;
  tenantId: string;
  method: string;
  /** scheme://host/path, no credentials, no query. */
  url: string;
  host: string;
  status: number | null;
  bytes: number;
  ms: number;
  /** 0 for the script's own request, n for the n-th redirect it led to. */
  hop: number;
  refused?: EgressCode;
}

export interface ExchangeDeps {
  limits: EgressLimits;
  counter: RequestCounter;
  operatorAllow: readonly OperatorEntry[];
  tenantPolicy: (tenantId: string) => Promise<TenantEgressPolicy>;
  resolve: Resolver;
  send: Send;
  record: (record: EgressRecord) => void;
  /** Faults of ours (a policy store that failed, a transport bug): logged, never shown to scripts. */
  onFault?: (event: string, error: unknown) => void;
  now?: () => number;
}

export type ExchangeResult = ({ ok: true; response: UpstreamResponse } | { ok: false; refusal: Refusal }) & {
  /** This request's records (one per hop), for the runner that asked: it files them with its execution. */
  records?: EgressRecord[];
};

export async function exchange(request: ScriptRequest, deps: ExchangeDeps, cancelled?: AbortSignal): Promise<ExchangeResult> {
  const now = deps.now ?? Date.now;
  const base = { executionId: request.executionId, tenantId: request.tenantId };
  let hopIndex = 0;
  let hopStart = now();
  let from: string | null = null;
  const refuse = (
    found: Refusal,
    where: { url: string; host: string; method: string },
    progress?: { status: number | null; bytes: number },
  ): ExchangeResult => {
    const shown = from === null ? found : { code: found.code, message: `${found.message} (redirected from ${from})` };
    deps.record({ ...base, ...where, status: progress?.status ?? null, bytes: progress?.bytes ?? 0, ms: now() - hopStart, hop: hopIndex, refused: found.code });
    return { ok: false, refusal: shown };
  };

  // Counted before anything else, so that a script looping over refused URLs also runs out.
  const parsed = parseTarget(request.url);
  const counted = deps.counter.take(request.executionId);
  if (!parsed.ok) return refuse(parsed.refusal, { url: parsed.display, host: "", method: request.method });
  let target = parsed.target;
  let hop: Hop = { method: request.method, url: target.url, headers: request.headers, body: request.body };
  const where = () => ({ url: target.display, host: target.host, method: hop.method });
  if (!counted) {
    return refuse(refusal("EGRESS_LIMIT", target.display, `this execution has used its ${deps.limits.maxRequestsPerExecution} requests`), where());
  }
  if (request.bodyBytes > deps.limits.maxRequestBytes) {
    return refuse(refusal("EGRESS_TOO_LARGE", target.display, `the request body is over the ${deps.limits.maxRequestBytes} byte limit`), where());
  }

  const timeout = AbortSignal.timeout(deps.limits.timeoutMs);
  const signal = cancelled ? AbortSignal.any([timeout, cancelled]) : timeout;
  const stopped = (): Refusal =>
    timeout.aborted
      ? refusal("EGRESS_TIMEOUT", target.display, `no complete response within ${deps.limits.timeoutMs} ms`)
      : refusal("EGRESS_FAILED", target.display, "the script stopped waiting");

  let tenant: TenantEgressPolicy | null;
  try {
    tenant = await untilAborted(deps.tenantPolicy(request.tenantId), signal);
  } catch (error) {
    deps.onFault?.("egress.tenant_policy_failed", error);
    return refuse(refusal("EGRESS_FAILED", target.display, "this tenant's egress policy could not be read"), where());
  }
  if (tenant === null) return refuse(stopped(), where());
  const visited = new Set<string>([target.url.href]);

  for (;;) {
    const decision = await untilAborted(decide(target, { operatorAllow: deps.operatorAllow, tenant, resolve: deps.resolve }), signal);
    if (decision === null) return refuse(stopped(), where());
    if (!decision.ok) return refuse(decision.refusal, where());

    let response: UpstreamResponse;
    try {
      response = await deps.send(hop, target, { address: decision.address, family: decision.family }, signal);
    } catch (error) {
      const progress = error instanceof UpstreamFailure ? { status: error.status, bytes: error.bytes } : undefined;
      if (signal.aborted) return refuse(stopped(), where(), progress);
      if (error instanceof UpstreamFailure) return refuse(refusal(error.code, target.display, error.message), where(), progress);
      deps.onFault?.("egress.send_failed", error);
      return refuse(refusal("EGRESS_FAILED", target.display, "the request could not be completed"), where());
    }
    deps.record({ ...base, ...where(), status: response.status, bytes: response.body.byteLength, ms: now() - hopStart, hop: hopIndex });

    const location = headerValue(response.headers, "location");
    if (!isFollowedRedirect(response.status, location)) return { ok: true, response };

    from = target.display;
    hopIndex += 1;
    hopStart = now();
    const next = parseTarget(location, target.url);
    if (!next.ok) return refuse(next.refusal, { url: next.display, host: "", method: hop.method });
    target = next.target;
    hop = redirectedHop(hop, response.status, target.url);
    if (hopIndex > deps.limits.maxRedirects) {
      return refuse(refusal("EGRESS_LIMIT", target.display, `more than ${deps.limits.maxRedirects} redirects`), where());
    }
    if (visited.has(target.url.href)) return refuse(refusal("EGRESS_LIMIT", target.display, "the redirects loop back to this URL"), where());
    visited.add(target.url.href);
  }
}

/** The promise's value, or null once the signal fires; a DNS lookup cannot itself be cancelled. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | null> {
  if (signal.aborted) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(null);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
