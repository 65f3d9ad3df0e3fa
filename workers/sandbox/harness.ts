// The main module of every loaded script isolate. It imports the user's module, gives it
// (input, ctx), captures console output per execution, and returns the outcome as plain data.
// It runs inside the tenant's isolate, so it holds nothing a script could abuse but two
// secrets: the log-line marker, and each execution's capability key (proof of who an SDK call or
// fetch is from). Both live in module scope and the per-execution store; everything platform
// code calls once user code may have run was captured before (see captured.ts).
import { env, WorkerEntrypoint } from "cloudflare:workers";
import type { ScriptContext } from "../sdk/index.ts";
import type { LogLevel, RunError } from "../../protocol/run.ts";
import type { RequestEnvelope } from "../../protocol/http-envelope.ts";
import {
  bodyJson,
  clearTimer,
  collectGarbage,
  defineProperty,
  headersGet,
  headersSet,
  now,
  parse,
  parseTime,
  PlatformAbortController,
  PlatformError,
  PlatformPromise,
  PlatformRequest,
  PlatformTypeError,
  race,
  requestHeaders,
  responseHeaders,
  setTimer,
  toText,
} from "./captured.ts";
import { makeContext } from "./context.ts";
import { formatLogArgs } from "./format.ts";
import { recordedStream, toRequest, toResponse } from "./http.ts";
import type { HarnessJob, HarnessResult, StreamOpener } from "./job.ts";
import { lockdown } from "./lockdown.ts";
import { encodeOutput } from "./output.ts";
import { periodicCollection } from "../../protocol/periodic-collection.ts";
import { rejectionStatus } from "./rejection.ts";
import type { SdkStub } from "./sdk-client.ts";
import { closeAfterGrace, closeSink, currentSink, ended, mask, openSink, record, recordedLogs, runInSink, type Sink } from "./sink.ts";

// A variable, so the bundler leaves the import to the Worker Loader, which holds the user's code.
const userModule = "./script.js";
// After its deadline a script gets this long to react to ctx.signal before the harness answers,
// so the first lines of its abort handler are in the record.
const reactToAbortMs = 50;

// Taken before any script code runs: a script may reach `env` itself and replace what is there,
// down to redefining the stub's `call`.
const platformSdk = (env as { SDK?: SdkStub }).SDK;
const sdk = platformSdk ? { stub: platformSdk, call: platformSdk.call } : undefined;

const levels: Record<string, LogLevel> = {
  log: "info",
  info: "info",
  debug: "debug",
  warn: "warn",
  error: "error",
  trace: "debug",
  dir: "info",
  dirxml: "info",
  table: "info",
  count: "info",
  group: "info",
  groupCollapsed: "info",
  timeLog: "info",
};
for (const [method, level] of Object.entries(levels)) {
  defineProperty(console, method, {
    // Console output of work an execution left running after it ended is dropped, not an error.
    value: (...args: unknown[]) => {
      const sink = currentSink();
      if (sink) record(sink, level, args);
    },
    writable: false,
    configurable: false,
  });
}

// Every outbound request names its execution for the egress record, with the key that proves
// it; a request from no running execution is refused here, and by the runner's egress for a
// script that found the runtime's own fetch. A refusal by the egress policy becomes an error
// that says why, rather than a 403 the script might take for the remote server's answer.
const platformFetch = globalThis.fetch.bind(globalThis);
globalThis.fetch = async function fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const sink = currentSink();
  if (!sink) throw new PlatformTypeError("fetch() is only available to a running execution");
  if (ended(sink)) throw new PlatformTypeError(`fetch() after execution ${sink.job.executionId} ended: work a script leaves running may not reach the network`);
  const request = new PlatformRequest(input, init);
  headersSet(requestHeaders(request), "x-iota-execution", `${sink.job.executionId}.${sink.job.capabilityKey}`);
  const response = await platformFetch(request);
  if (headersGet(responseHeaders(response), "x-iota-egress-refused")) {
    const body = (await bodyJson(response).catch(() => null)) as { error?: { message?: unknown } } | null;
    const reason = body?.error?.message;
    throw new PlatformTypeError(typeof reason === "string" ? reason : `fetch to ${request.url} refused by the platform's egress policy`);
  }
  return response;
} as typeof fetch;

/** Never throws, whatever was thrown (a Proxy, an error whose message getter throws). */
function toRunError(thrown: unknown, secrets: readonly string[]): RunError {
  let error: RunError;
  try {
    error =
      thrown instanceof PlatformError
        ? {
            code: "SCRIPT_ERROR",
            message: `${toText(thrown.name)}: ${toText(thrown.message)}`,
            stack: cleanStack(toText(thrown.stack ?? "")),
            ...rejectionStatus(thrown),
          }
        : { code: "SCRIPT_ERROR", message: `Uncaught ${formatLogArgs([thrown])}` };
  } catch {
    error = { code: "SCRIPT_ERROR", message: "Uncaught exception (it could not be described)" };
  }
  // Secret values the execution read stay out of its record, as they stay out of its logs.
  return { ...error, message: mask(error.message, secrets), ...(error.stack ? { stack: mask(error.stack, secrets) } : {}) };
}

// Frames from the harness mean nothing to the user; their own module is named script.js.
function cleanStack(stack: string): string | undefined {
  if (!stack) return undefined;
  return stack
    .split("\n")
    .filter((line) => !/\bharness\.js\b/.test(line))
    .join("\n");
}

type Outcome = Omit<HarnessResult, "logs" | "progress">;

async function runScript(sink: Sink, signal: AbortSignal, open: StreamOpener | undefined): Promise<Outcome> {
  const { job } = sink;
  let mod: { default?: unknown };
  try {
    mod = (await import(userModule)) as { default?: unknown };
  } catch (e) {
    return { ok: false, error: { ...toRunError(e, sink.secrets), code: "LOAD_ERROR" } };
  }
  if (typeof mod.default !== "function") {
    return { ok: false, error: { code: "NO_DEFAULT_EXPORT", message: "the script must `export default async function (input, ctx) { ... }`" } };
  }
  try {
    const parsed: unknown = parse(job.input);
    const http = job.trigger === "http";
    const input = http ? toRequest(parsed as RequestEnvelope) : parsed;
    const params = http ? (parsed as RequestEnvelope).params : undefined;
    const value = await (mod.default as (i: unknown, c: ScriptContext) => unknown)(input, makeContext(sink, signal, params ?? {}, sdk));
    // A body still being written is streamed when the runner takes a stream (`open`): this then
    // resolves once the body has ended, so the execution lasts as long as its answer.
    const answered = http ? await toResponse(value, sink.secrets, open && job.stream === true ? { open, sink } : undefined) : encodeOutput(value, sink.secrets);
    return { ok: !answered.error, ...answered };
  } catch (e) {
    return { ok: false, error: toRunError(e, sink.secrets) };
  }
}

// The executions running in this isolate, by id, with their key: a runner's cancel names one
// (see Harness.cancel), and the execution's own timer acts on it, so that the abort runs in that
// execution's request and store (an abort handler's ctx calls are its own), as the deadline's does.
const cancellable = new Map<string, { key: string; cancelled: boolean }>();
const cancelCheckMs = 25;

// Bounds what workerd keeps per execution outside V8's heap, with the gc captured before scripts.
const collectNowAndThen = periodicCollection(collectGarbage);

async function runExecution(sink: Sink, open: StreamOpener | undefined): Promise<HarnessResult> {
  const controller = new PlatformAbortController();
  let deadlineTimer: number | undefined;
  let cancelTimer: number | undefined;
  // Set here, inside the execution's store, so an abort handler's ctx calls are its own.
  const stop = (reason: string) => controller.abort(new PlatformError(reason));
  const deadline = new PlatformPromise<"deadline">((resolve) => {
    deadlineTimer = setTimer(() => {
      stop("deadline exceeded");
      setTimer(() => resolve("deadline"), reactToAbortMs);
    }, parseTime(sink.job.deadline) - now());
  });
  const state = { key: sink.job.capabilityKey, cancelled: false };
  cancellable.set(sink.job.executionId, state);
  const cancelled = new PlatformPromise<"cancelled">((resolve) => {
    const check = () => {
      if (!state.cancelled) return void (cancelTimer = setTimer(check, cancelCheckMs));
      stop("cancelled");
      setTimer(() => resolve("cancelled"), reactToAbortMs);
    };
    cancelTimer = setTimer(check, cancelCheckMs);
  });
  const settled = await race([runScript(sink, controller.signal, open), deadline, cancelled] as const);
  cancellable.delete(sink.job.executionId);
  clearTimer(cancelTimer);
  if (settled === "deadline" || settled === "cancelled") {
    clearTimer(deadlineTimer);
    // Its abort handler may still clean up through ctx for a moment (the runner keeps its
    // capabilities as long).
    closeAfterGrace(sink);
    const error =
      settled === "deadline" ? ({ code: "TIMEOUT", message: "deadline exceeded" } as const) : ({ code: "CANCELLED", message: "cancelled" } as const);
    // A streamed answer still being sent stops here, and the record says how far it got.
    const stream = sink.stream;
    if (!stream) return { ok: false, error, logs: recordedLogs(sink), progress: sink.progress };
    stream.cut(error);
    return {
      ok: false,
      error,
      response: { ...stream.head, streamed: true, bytes: stream.bytes },
      output: recordedStream(stream, sink.secrets),
      logs: recordedLogs(sink),
      progress: sink.progress,
    };
  }
  clearTimer(deadlineTimer);
  closeSink(sink);
  return { ...settled, logs: recordedLogs(sink), progress: sink.progress };
}

// Last, once the harness has installed what it needs: from here on the intrinsics are fixed.
lockdown();

class Harness extends WorkerEntrypoint {
  /** `open`: for a job with `stream` set, how a streamed answer's head and body reach the runner. */
  async run(job: HarnessJob, open?: StreamOpener): Promise<HarnessResult> {
    const sink = openSink(job);
    collectNowAndThen();
    return runInSink(sink, () => runExecution(sink, open ?? undefined));
  }

  /** Cancels an execution running here: its signal aborts with "cancelled". The key proves the caller is its runner. */
  async cancel(executionId: string, key: string): Promise<boolean> {
    const running = cancellable.get(executionId);
    if (!running || running.key !== key || !key) return false;
    running.cancelled = true;
    return true;
  }
}

// The user's module can import this one: nothing of it may be patched, or a script could
// rewrite the job it is handed (its execution id, its log key) before the harness reads it.
Object.freeze(Harness.prototype);
Object.freeze(Harness);
Object.freeze(WorkerEntrypoint.prototype);
Object.freeze(WorkerEntrypoint);
export default Harness;
