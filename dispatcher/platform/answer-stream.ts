// Streamed HTTP answers, from the runner to the caller. A route that can serve a streamed body
// says so before its run starts (awaitStream); a runner whose script answers with a body still
// being written hands it over (streamTaker), relays it to the caller as it comes, counting bytes
// against the response cap and noticing a caller that went away, and returns the run's result
// when the body is over. The route ends the caller's body only once that result is recorded:
// closed when the run succeeded, cut short otherwise, so a complete body always means a
// recorded, successful execution.
import type { ResponseEnvelope } from "../../protocol/http-envelope.ts";
import { runCaps, type RunResult } from "../../protocol/run.ts";

export interface StreamedAnswer {
  /** The script's status and headers (body null), as the harness read them: check before serving. */
  head: ResponseEnvelope;
  /** What the caller reads. */
  body: ReadableStream<Uint8Array>;
  /** Ends the caller's body: closed when `complete` (the run succeeded and is recorded), else cut short. */
  end(complete: boolean): void;
}

/** Routes waiting for a streamed answer, by execution; per isolate, like the run itself. */
const waiting = new Map<string, (answer: StreamedAnswer) => void>();

/**
 * Says the caller of `executionId` takes a streamed answer, handed to `take` if the script's
 * answer is streamed. Call before the run starts; the returned function forgets it.
 */
export function awaitStream(executionId: string, take: (answer: StreamedAnswer) => void): () => void {
  waiting.set(executionId, take);
  return () => {
    if (waiting.get(executionId) === take) waiting.delete(executionId);
  };
}

/** Whether a caller takes `executionId`'s answer streamed, and how it takes it: for runners. */
export function streamTaker(executionId: string): ((answer: StreamedAnswer) => void) | undefined {
  return waiting.get(executionId);
}

export interface Relayed {
  /** Body bytes handed to the caller. */
  bytes: number;
  /** The caller went away before the body ended. */
  callerGone: boolean;
  /** The body passed the response cap here (the harness cuts it first; this is the backstop). */
  overCap: boolean;
  /** The body broke off from the runner's side (cut at the deadline or the cap, or its process died). */
  broken: boolean;
}

const Pipe = ((globalThis as { IdentityTransformStream?: typeof TransformStream }).IdentityTransformStream ?? TransformStream) as typeof TransformStream;

/**
 * Hands `head` and a body to `take`, then copies `source` into that body as it comes. Resolves
 * when `source` ended, broke off, passed the cap, or the caller went away (then `onCallerGone`
 * is told at once, and `source` is cancelled). The caller's body stays open for `end`.
 */
export async function relay(
  source: ReadableStream<Uint8Array>,
  head: ResponseEnvelope,
  take: (answer: StreamedAnswer) => void,
  onCallerGone?: () => void,
): Promise<Relayed> {
  const pipe = new Pipe() as TransformStream<Uint8Array, Uint8Array>;
  const writer = pipe.writable.getWriter();
  const reader = source.getReader();
  const relayed: Relayed = { bytes: 0, callerGone: false, overCap: false, broken: false };
  let relaying = true;
  const gone = () => {
    if (!relaying || relayed.callerGone) return;
    relayed.callerGone = true;
    onCallerGone?.();
    reader.cancel().catch(() => undefined);
  };
  // A caller that disconnects cancels what it reads: seen here even while no byte is moving.
  writer.closed.catch(gone);
  take({
    head,
    body: pipe.readable,
    end: (complete) => {
      if (complete) writer.close().catch(() => undefined);
      else writer.abort(new Error("the streamed answer was cut short")).catch(() => undefined);
    },
  });
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch {
        if (!relayed.callerGone) relayed.broken = true;
        break;
      }
      if (chunk.done || relayed.callerGone) break;
      const length = chunk.value.byteLength;
      if (relayed.bytes + length > runCaps.maxResponseBytes) {
        relayed.overCap = true;
        reader.cancel().catch(() => undefined);
        break;
      }
      try {
        await writer.write(chunk.value);
      } catch {
        gone();
        break;
      }
      relayed.bytes += length;
    }
  } finally {
    relaying = false;
  }
  return relayed;
}

/**
 * The run's result as recorded for a streamed answer: what the caller was sent (`bytes`, counted
 * here), and a run the caller walked away from is `cancelled`, saying so.
 */
export function streamedOutcome(result: RunResult, head: ResponseEnvelope, relayed: Relayed): RunResult {
  let recorded: ResponseEnvelope = { ...head, body: null, bodyEncoding: "utf8" };
  if (result.output !== undefined) {
    try {
      recorded = JSON.parse(result.output) as ResponseEnvelope;
    } catch {
      // not what the harness writes: the head alone is kept
    }
  }
  const sent = relayed.bytes;
  const output = JSON.stringify({ ...recorded, streamed: true, bytes: sent });
  const response: ResponseEnvelope = { ...head, body: null, bodyEncoding: "utf8", streamed: true, bytes: sent };
  if (relayed.callerGone)
    return {
      ...result,
      output,
      response,
      status: "cancelled",
      error: { code: "CANCELLED", message: `the caller disconnected after ${sent} bytes of the streamed answer` },
    };
  if (relayed.overCap)
    return {
      ...result,
      output,
      response,
      status: "failed",
      error: { code: "OUTPUT_TOO_LARGE", message: `the response body is over ${runCaps.maxResponseBytes} bytes, the cap; it was cut after ${sent} bytes` },
    };
  if (relayed.broken && result.status === "succeeded")
    return {
      ...result,
      output,
      response,
      status: "interrupted",
      error: { code: "RUNNER_CRASHED", message: `the streamed answer broke off after ${sent} bytes` },
    };
  return { ...result, output, response };
}
