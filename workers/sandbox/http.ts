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
  cancelReader,
  concatBytes,
  getOwnPropertyDescriptor,
  getPrototypeOf,
  getReader,
  headersForEach,
  isInteger,
  PlatformRequest,
  PlatformResponse,
  readChunk,
  responseHeaders,
  responseStatus,
  stringify,
} from "./captured.ts";
import { describe, encodeOutput, maskOutput } from "./output.ts";

export function toRequest(e: RequestEnvelope): Request {
  const body = decodeBody(e);
  return new PlatformRequest(e.url, { method: e.method, headers: e.headers, body: body && e.method !== "GET" && e.method !== "HEAD" ? body : null });
}

type Answer = { response?: ResponseEnvelope; output?: string; error?: RunError };

const invalid = (message: string): { error: RunError } => ({ error: { code: "INVALID_RESPONSE", message } });

/** A Response, or any JSON value (sent as 200 application/json). */
export async function toResponse(value: unknown, secrets: readonly string[]): Promise<Answer> {
  let envelope: ResponseEnvelope;
  if (value instanceof PlatformResponse) {
    const read = await readResponse(value);
    if ("error" in read) return read;
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

async function readResponse(value: Response): Promise<ResponseEnvelope | { error: RunError }> {
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
      let chunk: ReadableStreamReadResult<unknown>;
      let bytes: Uint8Array;
      try {
        chunk = await readChunk(reader);
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

function abandon(reader: ReadableStreamDefaultReader): void {
  try {
    void cancelReader(reader).catch(() => undefined);
  } catch {
    // already errored or released: nothing left to stop
  }
}
