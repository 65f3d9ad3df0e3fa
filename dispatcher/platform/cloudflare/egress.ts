// The egress policy on Cloudflare: the same exchange the host's proxy runs (parse, count, judge
// the tenant's lists and the address policy, send, judge again at every redirect, one record per
// hop), with Cloudflare's own parts for the two things that touch the network: names are
// resolved over DNS-over-HTTPS, and a hop is sent with this worker's fetch().
//
// What differs from the host, and why it still holds: the host connects to exactly the address
// it checked (no DNS rebinding between check and connect). A Worker cannot choose the address
// fetch() connects to, so a name is resolved twice, once here and once by Cloudflare. The window
// that leaves is bounded by where a Worker's fetch() can go at all: out of Cloudflare's network
// to the public internet, never into the operator's machines (Cloudflare refuses private and
// loopback destinations for Workers). The policy keeps its clear refusals, its per-tenant lists,
// its limits and its records; address literals, in any spelling, are judged exactly as locally.
import { exchange, type ExchangeDeps, type UpstreamResponse } from "../../../host/egress/exchange.ts";
import { requestHeaders, responseHeaders, type HeaderList } from "../../../host/egress/headers.ts";
import { defaultLimits, RequestCounter } from "../../../host/egress/limits.ts";
import type { ResolvedAddress, Resolver } from "../../../host/egress/policy.ts";
import { UpstreamFailure } from "../../../host/egress/refusal.ts";
import { parseOperatorAllow, type OperatorEntry } from "../../../protocol/egress/allow-lists.ts";
import type { OutboundRecord } from "../../../protocol/run.ts";
import type { Env } from "../../env.ts";
import { servicesFor } from "../../services.ts";

const limits = defaultLimits;
/** Requests per execution, in this isolate (where the execution runs); forgotten when it ends. */
export const requestCounter = new RequestCounter(limits.maxRequestsPerExecution);

let operatorAllow: { raw: string | undefined; parsed: readonly OperatorEntry[] } | undefined;
function operatorEntries(env: Env): readonly OperatorEntry[] {
  if (operatorAllow === undefined || operatorAllow.raw !== env.EGRESS_ALLOW)
    operatorAllow = { raw: env.EGRESS_ALLOW, parsed: parseOperatorAllow(env.EGRESS_ALLOW) };
  return operatorAllow.parsed;
}

/** Names resolved with Cloudflare's DNS-over-HTTPS (A and AAAA), as `dns.lookup({all: true})` would answer. */
export const dohResolver: Resolver = async (host) => {
  const ask = async (type: "A" | "AAAA"): Promise<ResolvedAddress[]> => {
    const response = await fetch(`https://cloudflare-dns.com/dns-query?name=${encodeURIComponent(host)}&type=${type}`, {
      headers: { accept: "application/dns-json" },
      signal: AbortSignal.timeout(5000),
    });
    if (!response.ok) throw new Error(`DNS-over-HTTPS answered ${response.status}`);
    const answer = (await response.json()) as { Status: number; Answer?: { type: number; data: string }[] };
    const wanted = type === "A" ? 1 : 28;
    return (answer.Answer ?? []).filter((a) => a.type === wanted).map((a) => ({ address: a.data, family: type === "A" ? 4 : 6 }));
  };
  const [v4, v6] = await Promise.all([ask("A"), ask("AAAA").catch(() => [])]);
  return [...v4, ...v6];
};

/** One hop with fetch(): no redirects followed (the exchange judges each), the body read up to the cap. */
const send: ExchangeDeps["send"] = async (hop, _target, _pinned, signal) => {
  let response: Response;
  try {
    response = await fetch(hop.url, { method: hop.method, headers: hop.headers, body: hop.body, redirect: "manual", signal });
  } catch (error) {
    if (signal.aborted) throw error;
    throw new UpstreamFailure("EGRESS_FAILED", error instanceof Error ? `the connection failed (${error.message})` : "the connection failed");
  }
  const headers: HeaderList = [];
  for (const [name, value] of response.headers) headers.push([name, value]);
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  if (response.body) {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      if (bytes > limits.maxResponseBytes) {
        await reader.cancel();
        throw new UpstreamFailure("EGRESS_TOO_LARGE", `the response is over the ${limits.maxResponseBytes} byte limit`, { status: response.status, bytes });
      }
      chunks.push(value);
    }
  }
  const body = new Uint8Array(bytes);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return { status: response.status, statusText: response.statusText, headers, body } satisfies UpstreamResponse;
};

async function readBody(request: Request): Promise<{ body: Uint8Array | null; bytes: number }> {
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > limits.maxRequestBytes) {
    await request.body?.cancel();
    return { body: new Uint8Array(0), bytes: declared };
  }
  if (!request.body) return { body: null, bytes: 0 };
  const buffer = new Uint8Array(await request.arrayBuffer());
  return { body: buffer, bytes: buffer.byteLength };
}

const bodiless = new Set(["GET", "HEAD"]);

/** Runs one script request through the policy and answers what the script gets back. */
export async function egressExchange(
  env: Env,
  request: Request,
  headers: Headers,
  who: { tenantId: string; executionId: string },
  onRecord: (record: OutboundRecord) => void,
): Promise<Response> {
  const { body, bytes } = await readBody(request);
  const list: HeaderList = [];
  for (const [name, value] of headers) list.push([name, value]);
  const tenants = servicesFor(env).tenants;
  const result = await exchange(
    {
      tenantId: who.tenantId,
      executionId: who.executionId,
      method: request.method,
      url: request.url,
      headers: requestHeaders(list),
      body: body !== null && body.byteLength === 0 && bodiless.has(request.method) ? null : body,
      bodyBytes: bytes,
    },
    {
      limits,
      counter: requestCounter,
      operatorAllow: operatorEntries(env),
      tenantPolicy: async (tenantId) => {
        const tenant = await tenants.findById(tenantId);
        // An unknown tenant gets nothing: deny every host.
        return tenant ? { allow: tenant.egressAllow, deny: tenant.egressDeny } : { deny: ["*"] };
      },
      resolve: dohResolver,
      send,
      record: ({ executionId: _e, tenantId: _t, hop: _h, ...record }) => onRecord(record),
      onFault: (event, error) => console.error(JSON.stringify({ level: "error", event, error: error instanceof Error ? error.message : String(error) })),
    },
    request.signal,
  );
  if (!result.ok) {
    return Response.json({ error: result.refusal }, { status: 403, headers: { "x-iota-egress-refused": "1" } });
  }
  const { response } = result;
  const keepLength = request.method === "HEAD";
  const out = new Headers();
  for (const [name, value] of responseHeaders(response.headers, keepLength)) out.append(name, value);
  const hasBody = !keepLength && response.status !== 204 && response.status !== 304;
  // A Response cannot carry 1xx or out-of-range codes; the exchange never answers those (fetch follows none).
  return new Response(hasBody ? response.body : null, { status: response.status, statusText: response.statusText, headers: out });
}
