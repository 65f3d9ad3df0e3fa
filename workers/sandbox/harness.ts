// The main module of every loaded script isolate. It imports the user's module, gives it
// (input, ctx), captures console output per execution, and returns the outcome as plain data.
// It runs inside the tenant's isolate, so it holds nothing a script could abuse but two
// secrets: the log-line marker, and each execution's capability key (proof of who an SDK call or
// fetch is from). Both live in module scope and the per-execution store, and the harness reaches
// them only through references it took before any script code ran.
import { env, WorkerEntrypoint } from "cloudflare:workers";
import { AsyncLocalStorage } from "node:async_hooks";
import type { ScriptContext } from "../sdk/index.ts";
import { runCaps, utf8Bytes, type LogEntry, type LogLevel, type Progress, type RunError, type RunJob } from "../../protocol/run.ts";
import { formatLogArgs } from "./format.ts";
import { makeSdk, SdkError, type SdkStub } from "./sdk-client.ts";
import { lockdown } from "./lockdown.ts";
import { decodeBody, encodeBody, type RequestEnvelope, type ResponseEnvelope } from "../../protocol/http-envelope.ts";

export interface HarnessJob extends Omit<RunJob, "code" | "codeHash" | "memoryMb" | "logKey"> {
  logKey: string;
  /** Proves this execution's SDK calls and fetches to the runner; the script never sees it. */
  capabilityKey: string;
  /** Marks stdout lines as ours, so the host can recover logs if the process dies. */
  marker: string;
  deadline: string;
}

export interface HarnessResult {
  ok: boolean;
  output?: string;
  response?: ResponseEnvelope;
  error?: RunError;
  logs: LogEntry[];
  progress: Progress | null;
}

interface Sink {
  job: HarnessJob;
  logs: LogEntry[];
  dropped: number;
  closed: boolean;
  progress: Progress | null;
  /** Secret values this execution read: never written to its logs. */
  secrets: string[];
  /** SDK calls under way, and those waiting for one of them to end (see maxSdkCallsInFlight). */
  sdkInFlight: number;
  sdkWaiting: (() => void)[];
}

// Each SDK call is a request to the dispatcher: thousands started at once (Promise.all over a
// big list) would exhaust its connections for every tenant. They wait their turn instead.
const maxSdkCallsInFlight = 32;

const sinks = new AsyncLocalStorage<Sink>();
// The harness's own references to what it relies on, taken before any script code runs: a
// script can reassign globals and patch AsyncLocalStorage (node:async_hooks), and through them
// would otherwise read another execution's sink (its capability key, its secrets list).
const storeOf = AsyncLocalStorage.prototype.getStore;
const runWith = AsyncLocalStorage.prototype.run;
const currentSink = (): Sink | undefined => Reflect.apply(storeOf, sinks, []) as Sink | undefined;
const PlatformRequest = Request;
// A variable, so the bundler leaves the import to the Worker Loader, which holds the user's code.
const userModule = "./script.js";
const write = console.log.bind(console);

/** Text as history can keep it: SQLite cuts stored text at NUL, so NUL is shown as ␀. */
function storable(text: string): string {
  return text.includes("\u0000") ? text.replaceAll("\u0000", "\u2400") : text;
}

function record(level: LogLevel, args: unknown[]): void {
  const sink = currentSink();
  if (!sink || sink.closed) return;
  if (sink.logs.length >= runCaps.maxLogLines) {
    sink.dropped++;
    return;
  }
  let message = storable(mask(formatLogArgs(args), sink.secrets));
  if (message.length > runCaps.maxLogMessageChars) {
    message = `${message.slice(0, runCaps.maxLogMessageChars)}… [truncated ${message.length - runCaps.maxLogMessageChars} chars]`;
  }
  const entry: LogEntry = { level, message, at: new Date().toISOString() };
  sink.logs.push(entry);
  // Written synchronously to the process's stdout: if a CPU-bound script gets its process
  // killed, the host still has every line written before, and live views see it at once.
  emit(sink, "L", entry);
}

function emit(sink: Sink, kind: "L" | "P" | "S", data: LogEntry | Progress | Record<string, never>): void {
  // The line names its execution with that execution's own key: the host ignores a line whose
  // key does not match, so no script can write into another execution's record.
  write(`\u001e${sink.job.marker} ${sink.job.executionId}.${sink.job.logKey} ${kind}${JSON.stringify(data)}`);
}

function reportProgress(percent: unknown, message: unknown): void {
  const sink = currentSink();
  if (!sink || sink.closed) return;
  if (typeof percent !== "number" || !Number.isFinite(percent)) throw new TypeError("ctx.progress(percent, message?): percent must be a number from 0 to 100");
  const progress: Progress = {
    percent: Math.min(100, Math.max(0, Math.round(percent * 10) / 10)),
    message: message === undefined ? "" : storable(mask(String(message), sink.secrets)).slice(0, 500),
  };
  sink.progress = progress;
  emit(sink, "P", progress);
}

const levels: Record<string, LogLevel> = {
  log: "info", info: "info", debug: "debug", warn: "warn", error: "error", trace: "debug",
  dir: "info", dirxml: "info", table: "info", count: "info", group: "info", groupCollapsed: "info", timeLog: "info",
};
for (const [method, level] of Object.entries(levels)) {
  Object.defineProperty(console, method, {
    value: (...args: unknown[]) => record(level, args),
    writable: false,
    configurable: false,
  });
}

/** Never throws, whatever was thrown (a Proxy, an error whose message getter throws). */
function toRunError(thrown: unknown, secrets: string[] = []): RunError {
  let error: RunError;
  try {
    error =
      thrown instanceof Error
        ? { code: "SCRIPT_ERROR", message: `${String(thrown.name)}: ${String(thrown.message)}`, stack: cleanStack(String(thrown.stack ?? "")) }
        : { code: "SCRIPT_ERROR", message: `Uncaught ${formatLogArgs([thrown])}` };
  } catch {
    error = { code: "SCRIPT_ERROR", message: "Uncaught exception (it could not be described)" };
  }
  // Secret values the execution read stay out of its record, as they stay out of its logs.
  return { ...error, message: mask(error.message, secrets), ...(error.stack ? { stack: mask(error.stack, secrets) } : {}) };
}

function mask(text: string, secrets: string[]): string {
  for (const secret of secrets) text = text.split(secret).join("***");
  return text;
}

// Frames from the harness mean nothing to the user; their own module is named script.js.
function cleanStack(stack: string | undefined): string | undefined {
  if (!stack) return undefined;
  return stack
    .split("\n")
    .filter((line) => !/\bharness\.js\b/.test(line))
    .join("\n");
}

// Every outbound request names its execution for the egress record; a refusal by the egress
// policy becomes an error that says why, rather than a 403 the script might take for the
// remote server's answer.
const platformFetch = globalThis.fetch.bind(globalThis);
globalThis.fetch = async function fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const request = new PlatformRequest(input, init);
  const sink = currentSink();
  if (sink) request.headers.set("x-iota-execution", `${sink.job.executionId}.${sink.job.capabilityKey}`);
  const response = await platformFetch(request);
  if (response.headers.get("x-iota-egress-refused")) {
    const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new TypeError(body?.error?.message ?? `fetch to ${request.url} refused by the platform's egress policy`);
  }
  return response;
} as typeof fetch;

function makeContext(job: HarnessJob, signal: AbortSignal, params: Record<string, string>, sdkStub: SdkStub | undefined, sink: Sink): ScriptContext {
  const platform = makeSdk({
    async call(method, args) {
      if (!sdkStub) throw new SdkError("SDK_UNAVAILABLE", "the SDK is not available in this deployment");
      // A call that ends hands its place straight to the oldest waiting one.
      if (sink.sdkInFlight >= maxSdkCallsInFlight) await new Promise<void>((turn) => sink.sdkWaiting.push(turn));
      else sink.sdkInFlight++;
      let answer: { ok: boolean; value?: unknown; error?: { code: string; message: string; field?: string } };
      try {
        answer = (await Reflect.apply(sdkCall!, sdkStub, [job.executionId, job.capabilityKey, method, args])) as typeof answer;
      } finally {
        const next = sink.sdkWaiting.shift();
        if (next) next();
        else sink.sdkInFlight--;
      }
      if (!answer.ok) throw new SdkError(answer.error?.code ?? "SDK_ERROR", answer.error?.message ?? "the SDK call failed", answer.error?.field);
      return answer.value;
    },
    warn: (message) => record("warn", [message]),
    revealed: (value) => {
      if (value.length >= 4) sink.secrets.push(value);
    },
  });
  const log = {
    debug: (...a: unknown[]) => record("debug", a),
    info: (...a: unknown[]) => record("info", a),
    warn: (...a: unknown[]) => record("warn", a),
    error: (...a: unknown[]) => record("error", a),
  };
  return Object.freeze({
    tenant: Object.freeze({ id: job.tenantId, slug: job.tenantSlug }),
    script: Object.freeze({ id: job.scriptId, name: job.scriptName, version: job.version }),
    executionId: job.executionId,
    trigger: job.trigger,
    attempt: job.attempt,
    deadline: job.deadline,
    signal,
    log: Object.freeze(log),
    progress: reportProgress,
    params: Object.freeze({ ...params }),
    ...platform,
  });
}

function encodeOutput(value: unknown): { output?: string; error?: RunError } {
  let output: string | undefined;
  try {
    output = JSON.stringify(value === undefined ? null : value);
  } catch (e) {
    return { error: { code: "OUTPUT_NOT_SERIALIZABLE", message: `the return value is not JSON-serialisable: ${(e as Error).message}` } };
  }
  if (output === undefined) {
    return { error: { code: "OUTPUT_NOT_SERIALIZABLE", message: "the return value is not JSON-serialisable (a function or symbol)" } };
  }
  const bytes = output.length > runCaps.maxOutputBytes / 3 ? utf8Bytes(output) : output.length;
  if (bytes > runCaps.maxOutputBytes) {
    return { error: { code: "OUTPUT_TOO_LARGE", message: `the return value is ${bytes} bytes as JSON; the cap is ${runCaps.maxOutputBytes}` } };
  }
  return { output };
}

function toRequest(e: RequestEnvelope): Request {
  const body = decodeBody(e);
  return new PlatformRequest(e.url, { method: e.method, headers: e.headers, body: body && e.method !== "GET" && e.method !== "HEAD" ? body : null });
}

/** An HTTP script answers with a Response, or any JSON value (sent as 200 application/json). */
async function toResponse(value: unknown): Promise<{ response?: ResponseEnvelope; output?: string; error?: RunError }> {
  let response: Response;
  if (value instanceof Response) {
    response = value;
  } else {
    const encoded = encodeOutput(value);
    if (encoded.error) return encoded;
    response = new Response(encoded.output, { headers: { "content-type": "application/json" } });
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.byteLength > runCaps.maxResponseBytes) {
    return { error: { code: "OUTPUT_TOO_LARGE", message: `the response body is ${bytes.byteLength} bytes; the cap is ${runCaps.maxResponseBytes}` } };
  }
  const envelope: ResponseEnvelope = { status: response.status, headers: [...response.headers], ...encodeBody(bytes) };
  // History keeps the answer, with a long body cut short.
  const recorded = { ...envelope, body: envelope.body && envelope.body.length > runCaps.maxRecordedBodyChars ? `${envelope.body.slice(0, runCaps.maxRecordedBodyChars)}…` : envelope.body };
  return { response: envelope, output: JSON.stringify(recorded) };
}

// Taken before any script code runs: a script may reach `env` itself and replace what is there,
// down to redefining the stub's `call`.
const platformSdk = (env as { SDK?: SdkStub }).SDK;
const sdkCall = platformSdk?.call;

// Last, once the harness has installed what it needs: from here on the intrinsics are fixed.
lockdown();
Object.freeze(AsyncLocalStorage.prototype);
Object.freeze(AsyncLocalStorage);

class Harness extends WorkerEntrypoint {
  async run(job: HarnessJob): Promise<HarnessResult> {
    const sink: Sink = { job, logs: [], dropped: 0, closed: false, progress: null, secrets: [], sdkInFlight: 0, sdkWaiting: [] };
    const controller = new AbortController();
    const remaining = Date.parse(job.deadline) - Date.now();
    const timer = setTimeout(() => controller.abort(new Error("deadline exceeded")), Math.max(0, remaining));
    try {
      return await (Reflect.apply(runWith, sinks, [sink, async (): Promise<HarnessResult> => {
        // Tells the host this execution got the process: one that never did (the process was
        // held by work an earlier execution left running) is not to blame for its deadline.
        emit(sink, "S", {});
        let mod: { default?: unknown };
        try {
          mod = (await import(userModule)) as { default?: unknown };
        } catch (e) {
          return { ok: false, error: { ...toRunError(e, sink.secrets), code: "LOAD_ERROR" }, logs: sink.logs, progress: sink.progress };
        }
        if (typeof mod.default !== "function") {
          return { ok: false, error: { code: "NO_DEFAULT_EXPORT", message: "the script must `export default async function (input, ctx) { ... }`" }, logs: sink.logs, progress: sink.progress };
        }
        try {
          const parsed: unknown = JSON.parse(job.input);
          const input = job.trigger === "http" ? toRequest(parsed as RequestEnvelope) : parsed;
          const params = job.trigger === "http" ? (parsed as RequestEnvelope).params : undefined;
          const value = await (mod.default as (i: unknown, c: ScriptContext) => unknown)(input, makeContext(job, controller.signal, params ?? {}, platformSdk, sink));
          if (job.trigger === "http") {
            const answered = await toResponse(value);
            return { ok: !answered.error, ...answered, logs: sink.logs, progress: sink.progress };
          }
          const encoded = encodeOutput(value);
          return { ok: !encoded.error, ...encoded, logs: sink.logs, progress: sink.progress };
        } catch (e) {
          return { ok: false, error: toRunError(e, sink.secrets), logs: sink.logs, progress: sink.progress };
        }
      }]) as Promise<HarnessResult>);
    } finally {
      clearTimeout(timer);
      if (sink.dropped > 0) {
        sink.logs.push({ level: "warn", message: `${sink.dropped} more log lines were dropped: the cap is ${runCaps.maxLogLines} per execution`, at: new Date().toISOString() });
      }
      sink.closed = true;
    }
  }
}

// The user's module can import this one: nothing of it may be patched, or a script could
// rewrite the job it is handed (its execution id, its log key) before the harness reads it.
Object.freeze(Harness.prototype);
Object.freeze(Harness);
Object.freeze(WorkerEntrypoint.prototype);
Object.freeze(WorkerEntrypoint);
export default Harness;
