// The `ctx` one execution is given. It works only for that execution while it runs: a script
// that keeps it in module state and calls it from a later run, or from work left running after
// it returned, gets a clear SdkError instead of acting as (and being billed to) the old
// execution. That is what kept a chain of events going past its depth limit: deliveries
// publishing through the ctx of a run that was not a delivery.
import type { ScriptContext } from "../sdk/index.ts";
import { apply, freeze, PlatformPromise } from "./captured.ts";
import { makeSdk, SdkError, type SdkStub } from "./sdk-client.ts";
import { currentSink, ended, record, setProgress, type Sink } from "./sink.ts";

// Each SDK call is a request to the dispatcher: thousands started at once (Promise.all over a
// big list) would exhaust its connections for every tenant. They wait their turn instead.
const maxSdkCallsInFlight = 32;

type SdkAnswer = { ok: boolean; value?: unknown; error?: { code: string; message: string; field?: string } };

function assertOwn(sink: Sink, what: string): void {
  const id = sink.job.executionId;
  if (ended(sink)) {
    throw new SdkError(
      "EXECUTION_ENDED",
      `${what}: execution ${id} has ended, and its ctx with it; use the ctx each run is given, and finish work before returning`,
    );
  }
  if (currentSink() !== sink)
    throw new SdkError("WRONG_EXECUTION", `${what}: this ctx belongs to execution ${id}, not to the one running this code; use the ctx your own run is given`);
}

export function makeContext(
  sink: Sink,
  signal: AbortSignal,
  params: Record<string, string>,
  sdk: { stub: SdkStub; call: SdkStub["call"] } | undefined,
): ScriptContext {
  const { job } = sink;
  const platform = makeSdk({
    async call(method, args) {
      assertOwn(sink, `ctx.${method}()`);
      if (!sdk) throw new SdkError("SDK_UNAVAILABLE", "the SDK is not available in this deployment");
      // A call that ends hands its place straight to the oldest waiting one.
      if (sink.sdkInFlight >= maxSdkCallsInFlight) await new PlatformPromise<void>((turn) => sink.sdkWaiting.push(turn));
      else sink.sdkInFlight++;
      let answer: SdkAnswer;
      try {
        // Again: the execution may have ended while this call waited its turn.
        assertOwn(sink, `ctx.${method}()`);
        answer = (await apply(sdk.call, sdk.stub, [job.executionId, job.capabilityKey, method, args])) as SdkAnswer;
      } finally {
        const next = sink.sdkWaiting.shift();
        if (next) next();
        else sink.sdkInFlight--;
      }
      if (!answer.ok) throw new SdkError(answer.error?.code ?? "SDK_ERROR", answer.error?.message ?? "the SDK call failed", answer.error?.field);
      return answer.value;
    },
    warn: (message) => record(sink, "warn", [message]),
    revealed: (value) => {
      if (value.length >= 4) sink.secrets.push(value);
    },
  });
  const logAt =
    (level: "debug" | "info" | "warn" | "error") =>
    (...args: unknown[]) => {
      assertOwn(sink, `ctx.log.${level}()`);
      record(sink, level, args);
    };
  return freeze({
    tenant: freeze({ id: job.tenantId, slug: job.tenantSlug }),
    script: freeze({ id: job.scriptId, name: job.scriptName, version: job.version }),
    executionId: job.executionId,
    trigger: job.trigger,
    attempt: job.attempt,
    deadline: job.deadline,
    signal,
    log: freeze({ debug: logAt("debug"), info: logAt("info"), warn: logAt("warn"), error: logAt("error") }),
    progress: (percent: number, message?: string) => {
      assertOwn(sink, "ctx.progress()");
      setProgress(sink, percent, message);
    },
    params: freeze({ ...params }),
    ...platform,
  }) as ScriptContext;
}
