// An HTTP script's request in and answer out. The answer is whatever the script returned: a real
// Response, a subclass whose getters lie, or an object that only claims Response.prototype. It
// is read through Response's own getters and the body's own stream reader (captured before user
// code ran), never through anything the object itself offers, and the body stops being read at
// the cap: nothing it claims about itself is believed.
import { decodeBody, encodeBody, type RequestEnvelope, type ResponseEnvelope } from "../../protocol/http-envelope.ts";
import { runCaps, type RunError } from "../../protocol/run.ts";
import {
  bodyStream,
  byteLengthOf,
  bytesOf,
  abortWriter,
  cancelReader,
  clearTimer,
  closeWriter,
  concatBytes,
  getOwnPropertyDescriptor,
  getPrototypeOf,
  getReader,
  headersForEach,
  isInteger,
  min,
  newPipe,
  PlatformPromise,
  PlatformRequest,
  PlatformResponse,
  prefixOf,
  race,
  readChunk,
  responseHeaders,
  responseStatus,
  setTimer,
  stringify,
  writeChunk,
} from "./captured.ts";
import type { StreamOpener } from "./job.ts";
import { describe, encodeOutput, maskOutput } from "./output.ts";
import type { Sink } from "./sink.ts";

export function toRequest(e: RequestEnvelope): Request {
  const body = decodeBody(e);
  return new PlatformRequest(e.url, { method: e.method, headers: e.headers, body: body && e.method !== "GET" && e.method !== "HEAD" ? body : null });
}

type Answer = { response?: ResponseEnvelope; output?: string; error?: RunError };

const invalid = (message: string): { error: RunError } => ({ error: { code: "INVALID_RESPONSE", message } });

/**
 * How long the body may keep the harness waiting for its next chunk before the answer counts as
 * still being written, and is streamed: a body that is all there is (a string, bytes, a stream
 * enqueued and closed at once) has every chunk at hand and is sent in one piece as before.
 */
export const streamAfterMs = 10;

/**
 * A Response, or any JSON value (sent as 200 application/json). With `streaming`, a Response
 * whose body is still being written is streamed: its head goes out through `streaming.open`,
 * then its body as it comes, and this resolves when the body ended or was cut.
 */
export async function toResponse(value: unknown, secrets: readonly string[], streaming?: { open: StreamOpener; sink: Sink }): Promise<Answer> {
  let envelope: ResponseEnvelope;
  if (value instanceof PlatformResponse) {
    const read = await readResponse(value, streaming !== undefined);
    if ("error" in read) return read;
    if ("reader" in read) return streamBody(read, streaming!.open, streaming!.sink, secrets);
    envelope = read;
  } else {
    const encoded = encodeOutput(value, secrets);
    if (encoded.error) return encoded;
    envelope = { status: 200, headers: [["content-type", "application/json"]], body: encoded.output!, bodyEncoding: "utf8" };
  }
  // History keeps the answer, with a long body cut short and secrets masked; the caller gets it whole.
  const cut = envelope.body !== null && envelope.body.length > runCaps.maxRecordedBodyChars;
  const recorded = { ...envelope, body: cut ? `${envelope.body!.slice(0, runCaps.maxRecordedBodyChars)}…` : envelope.body };
  const output = maskOutput(stringify(recorded), secrets);
  return output.error ? output : { response: envelope, output: output.output };
}

// What the platform reads from a Response, and what the script's own code would read: a
// subclass that redefines any of them would be served as something other than it claims.
const readByPlatform = ["status", "statusText", "ok", "headers", "body", "bodyUsed", "arrayBuffer", "bytes", "text", "json", "blob", "formData", "clone"];

/** The name a Response subclass (or an object in its chain) redefines, if any. */
function overridden(value: object): string | undefined {
  let p: object | null = value;
  for (let depth = 0; p !== null && p !== PlatformResponse.prototype; depth++, p = getPrototypeOf(p)) {
    if (depth > 32) return "its prototype chain";
    for (const name of readByPlatform) if (getOwnPropertyDescriptor(p, name)) return name;
  }
  return undefined;
}

/** A body still being written when the harness looked: what was read of it, and the read under way. */
interface Unfinished {
  head: ResponseEnvelope;
  reader: ReadableStreamDefaultReader;
  parts: Uint8Array[];
  pending: Promise<ReadableStreamReadResult<unknown>>;
}

const stillWriting: unique symbol = Symbol("still writing");

/** `read`, or `stillWriting` if it has not settled within `ms`. */
async function within<T>(read: Promise<T>, ms: number): Promise<T | typeof stillWriting> {
  let timer: number | undefined;
  const late = new PlatformPromise<typeof stillWriting>((resolve) => {
    timer = setTimer(() => resolve(stillWriting), ms);
  });
  try {
    return await race([read, late] as const);
  } finally {
    clearTimer(timer);
  }
}

async function readResponse(value: Response, canStream: boolean): Promise<ResponseEnvelope | Unfinished | { error: RunError }> {
  let lie: string | undefined;
  try {
    lie = overridden(value);
  } catch (e) {
    lie = `its prototype chain (${describe(e)})`;
  }
  if (lie !== undefined) return invalid(`the returned Response redefines ${lie}; return a Response made with new Response(...)`);
  let status: number;
  const headers: [string, string][] = [];
  let headerBytes = 0;
  let stream: ReadableStream | null;
  try {
    status = responseStatus(value);
    headersForEach(responseHeaders(value), (v, name) => {
      headerBytes += name.length + v.length + 4;
      headers.push([name, v]);
    });
    stream = bodyStream(value);
  } catch (e) {
    return invalid(`the returned Response could not be read (${describe(e)}); return a Response made with new Response(...)`);
  }
  if (typeof status !== "number" || !isInteger(status) || status < 200 || status > 599)
    return invalid(`the response's status ${status} cannot be served; it must be from 200 to 599`);
  if (headerBytes > runCaps.maxResponseHeaderBytes)
    return invalid(`the response's headers are ${headerBytes} bytes; the cap is ${runCaps.maxResponseHeaderBytes}`);
  const parts: Uint8Array[] = [];
  let total = 0;
  if (stream !== null) {
    let reader: ReadableStreamDefaultReader;
    try {
      reader = getReader(stream);
    } catch (e) {
      return invalid(`the response's body could not be read (${describe(e)})`);
    }
    for (;;) {
      let chunk: ReadableStreamReadResult<unknown> | typeof stillWriting;
      let bytes: Uint8Array;
      let pending: Promise<ReadableStreamReadResult<unknown>> | undefined;
      try {
        pending = readChunk(reader);
        chunk = canStream ? await within(pending, streamAfterMs) : await pending;
        if (chunk === stillWriting) return { head: { status, headers, body: null, bodyEncoding: "utf8" }, reader, parts, pending };
        if (chunk.done) break;
        bytes = bytesOf(chunk.value);
      } catch (e) {
        abandon(reader);
        return invalid(`the response's body could not be read: its stream must give Uint8Array chunks (${describe(e)})`);
      }
      const length = byteLengthOf(bytes);
      if (total + length > runCaps.maxResponseBytes) {
        abandon(reader);
        return { error: { code: "OUTPUT_TOO_LARGE", message: `the response body is over ${runCaps.maxResponseBytes} bytes, the cap` } };
      }
      parts.push(bytes);
      total += length;
    }
  }
  return { status, headers, ...encodeBody(concatBytes(parts, total)) };
}

/** A streamed answer while it is sent: what the record keeps of it, and how to cut it. */
export interface StreamState {
  head: ResponseEnvelope;
  /** Body bytes handed on to the caller. */
  bytes: number;
  /** The body's start, as history keeps it (up to runCaps.maxRecordedBodyChars bytes). */
  kept: Uint8Array[];
  keptBytes: number;
  /** Set once the body has ended or was cut: nothing more is sent. */
  over: boolean;
  /** Stops the body where it is (the deadline, a cancel): the caller's copy ends short. */
  cut(error: RunError): void;
}

const cutMark: unique symbol = Symbol("cut");

/**
 * Sends a body still being written: the head first (through the runner), then every chunk as
 * the script writes it, counted against the response cap as it goes. The body is read with the
 * reader the harness took, never through anything the script's stream offers; a chunk that is
 * not bytes, or one past the cap, ends it short, and the run fails.
 */
async function streamBody(u: Unfinished, open: StreamOpener, sink: Sink, secrets: readonly string[]): Promise<Answer> {
  const { reader, head } = u;
  const { readable, writer } = newPipe();
  let cutWith: RunError | undefined;
  let onCut: () => void = () => undefined;
  const cutting = new PlatformPromise<typeof cutMark>((resolve) => {
    onCut = () => resolve(cutMark);
  });
  const state: StreamState = {
    head,
    bytes: 0,
    kept: [],
    keptBytes: 0,
    over: false,
    cut(error) {
      if (state.over) return;
      state.over = true;
      cutWith = error;
      onCut();
      abandon(reader);
      try {
        void abortWriter(writer, error.message).catch(() => undefined);
      } catch {
        // already closed or errored
      }
    },
  };
  sink.stream = state;
  const finish = (error?: RunError): Answer => {
    if (error) state.cut(error);
    state.over = true;
    const failed = cutWith ?? error;
    return { response: { ...head, streamed: true, bytes: state.bytes }, output: recordedStream(state, secrets), ...(failed ? { error: failed } : {}) };
  };
  try {
    await open(head, readable);
  } catch (e) {
    return finish({ code: "CANCELLED", message: `the answer could not be handed to the caller (${describe(e)})` });
  }
  const send = async (bytes: Uint8Array): Promise<RunError | undefined> => {
    const length = byteLengthOf(bytes);
    if (state.bytes + length > runCaps.maxResponseBytes)
      return {
        code: "OUTPUT_TOO_LARGE",
        message: `the response body is over ${runCaps.maxResponseBytes} bytes, the cap; it was cut after ${state.bytes} bytes`,
      };
    keep(state, bytes, length);
    let written: unknown;
    try {
      written = await race([writeChunk(writer, bytes), cutting] as const);
    } catch {
      return { code: "CANCELLED", message: `the caller stopped reading after ${state.bytes} bytes` };
    }
    if (written !== cutMark) state.bytes += length;
    return undefined;
  };
  for (let i = 0; i < u.parts.length; i++) {
    const refused = await send(u.parts[i]!);
    if (refused || state.over) return finish(refused);
  }
  let pending = u.pending;
  for (;;) {
    let bytes: Uint8Array;
    try {
      const next = await race([pending, cutting] as const);
      if (next === cutMark) return finish();
      if (next.done) break;
      bytes = bytesOf(next.value);
    } catch (e) {
      return finish({ code: "INVALID_RESPONSE", message: `the response's body could not be read: its stream must give Uint8Array chunks (${describe(e)})` });
    }
    const refused = await send(bytes);
    if (refused || state.over) return finish(refused);
    try {
      pending = readChunk(reader);
    } catch (e) {
      return finish({ code: "INVALID_RESPONSE", message: `the response's body could not be read (${describe(e)})` });
    }
  }
  try {
    const closed = await race([closeWriter(writer), cutting] as const);
    if (closed === cutMark) return finish();
  } catch {
    return finish({ code: "CANCELLED", message: `the caller stopped reading after ${state.bytes} bytes` });
  }
  return finish();
}

function keep(state: StreamState, bytes: Uint8Array, length: number): void {
  const room = runCaps.maxRecordedBodyChars - state.keptBytes;
  if (room <= 0) return;
  const taking = min(length, room);
  state.kept.push(concatBytes([taking === length ? bytes : prefixOf(bytes, taking)], taking));
  state.keptBytes += taking;
}

/** A streamed answer as history keeps it: the head, the body's start, the bytes sent; secrets masked. */
export function recordedStream(state: StreamState, secrets: readonly string[]): string {
  let kept = concatBytes(state.kept, state.keptBytes);
  let encoded = encodeBody(kept);
  // A start cut inside a UTF-8 character is still text.
  for (let drop = 1; encoded.bodyEncoding === "base64" && drop <= 3 && drop < state.keptBytes; drop++) {
    const shorter = encodeBody(prefixOf(kept, state.keptBytes - drop));
    if (shorter.bodyEncoding === "utf8") {
      kept = prefixOf(kept, state.keptBytes - drop);
      encoded = shorter;
    }
  }
  const more = state.bytes > byteLengthOf(kept);
  let body = encoded.body;
  if (body !== null && (more || body.length > runCaps.maxRecordedBodyChars)) body = `${body.slice(0, runCaps.maxRecordedBodyChars)}…`;
  const recorded: ResponseEnvelope = { ...state.head, body, bodyEncoding: encoded.bodyEncoding, streamed: true, bytes: state.bytes };
  const masked = maskOutput(stringify(recorded), secrets);
  return masked.output ?? stringify({ ...recorded, body: null });
}

function abandon(reader: ReadableStreamDefaultReader): void {
  try {
    void cancelReader(reader).catch(() => undefined);
  } catch {
    // already errored or released: nothing left to stop
  }
}
