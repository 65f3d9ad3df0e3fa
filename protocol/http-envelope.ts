// HTTP requests and responses as plain data, to cross the dispatcher -> runner boundary and to
// be kept in execution history.

export interface HttpEnvelope {
  headers: [string, string][];
  /** The body as text (utf8) or as base64 when it is not valid UTF-8. */
  body: string | null;
  bodyEncoding: "utf8" | "base64";
}

export interface RequestEnvelope extends HttpEnvelope {
  method: string;
  url: string;
  /** Path parameters of the endpoint (`/orders/:id` -> `{id}`). */
  params?: Record<string, string>;
}

export interface ResponseEnvelope extends HttpEnvelope {
  status: number;
  /**
   * Set on a streamed answer (a body still being written when the script returned): the head
   * went to the caller first, the body as it was written. In history, `body` is then only its
   * start (runCaps.maxRecordedBodyChars) and `bytes` what the caller was sent of it.
   */
  streamed?: true;
  bytes?: number;
}

/** How a runner hands a streamed answer's head to the dispatcher: a header on its reply, JSON. */
export const streamHeadHeader = "x-iota-stream-head";

/** Headers a script never sees and history never keeps: the caller's credentials. */
export const strippedRequestHeaders = new Set(["authorization", "cookie", "proxy-authorization"]);

// Taken when this module is evaluated: inside a script's isolate that is before any user code,
// and the harness encodes a script's response with these after it ran. A script can redefine
// %TypedArray%.prototype (byteLength, subarray, the iterator) and the global names, so nothing
// below looks either up at call time.
const { apply } = Reflect;
const typedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;
const byteLengthGetter = Object.getOwnPropertyDescriptor(typedArrayPrototype, "byteLength")!.get!;
const byteLengthOf = (bytes: Uint8Array): number => apply(byteLengthGetter, bytes, []) as number;
const Bytes = Uint8Array;
const fromCharCode = String.fromCharCode;
const base64Encode = btoa.bind(globalThis);
const base64Decode = atob.bind(globalThis);
const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const decodeUtf8 = TextDecoder.prototype.decode;
const utf8Encoder = new TextEncoder();
const encodeUtf8 = TextEncoder.prototype.encode;

export function toBase64(bytes: Uint8Array): string {
  const length = byteLengthOf(bytes);
  let binary = "";
  for (let i = 0; i < length; i += 0x8000) {
    const codes: number[] = [];
    for (let j = i; j < length && j < i + 0x8000; j++) codes[j - i] = bytes[j]!;
    binary += apply(fromCharCode, null, codes) as string;
  }
  return base64Encode(binary);
}

export function fromBase64(text: string): Uint8Array {
  const binary = base64Decode(text);
  const out = new Bytes(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export function encodeBody(bytes: Uint8Array): Pick<HttpEnvelope, "body" | "bodyEncoding"> {
  if (byteLengthOf(bytes) === 0) return { body: null, bodyEncoding: "utf8" };
  try {
    return { body: apply(decodeUtf8, utf8Decoder, [bytes]) as string, bodyEncoding: "utf8" };
  } catch {
    return { body: toBase64(bytes), bodyEncoding: "base64" };
  }
}

export function decodeBody(e: HttpEnvelope): Uint8Array | null {
  if (e.body === null) return null;
  return e.bodyEncoding === "base64" ? fromBase64(e.body) : (apply(encodeUtf8, utf8Encoder, [e.body]) as Uint8Array);
}

/**
 * What an endpoint may serve from a script's answer envelope, or why it may not. The envelope
 * was made inside the tenant's isolate, so nothing in it is taken as well-formed.
 */
export function servable(envelope: ResponseEnvelope): { status: number; headers: Headers; body: Uint8Array | null } | string {
  const { status } = envelope;
  if (typeof status !== "number" || !Number.isInteger(status) || status < 200 || status > 599) return "its status is not from 200 to 599";
  if (!Array.isArray(envelope.headers)) return "its headers are not a list";
  const headers = new Headers();
  for (const pair of envelope.headers as unknown[]) {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== "string" || typeof pair[1] !== "string") return "a header is not a name and a value";
    try {
      headers.append(pair[0], pair[1]);
    } catch {
      return `the header ${JSON.stringify(pair[0].slice(0, 100))} is not valid HTTP`;
    }
  }
  if (envelope.body !== null && (typeof envelope.body !== "string" || (envelope.bodyEncoding !== "utf8" && envelope.bodyEncoding !== "base64")))
    return "its body is not text or base64";
  try {
    return { status, headers, body: decodeBody(envelope) };
  } catch {
    return "its body is not valid base64";
  }
}
