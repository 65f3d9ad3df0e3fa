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
}

/** Headers a script never sees and history never keeps: the caller's credentials. */
export const strippedRequestHeaders = new Set(["authorization", "cookie", "proxy-authorization"]);

export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

export function encodeBody(bytes: Uint8Array): Pick<HttpEnvelope, "body" | "bodyEncoding"> {
  if (bytes.byteLength === 0) return { body: null, bodyEncoding: "utf8" };
  try {
    return { body: new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes), bodyEncoding: "utf8" };
  } catch {
    return { body: toBase64(bytes), bodyEncoding: "base64" };
  }
}

export function decodeBody(e: HttpEnvelope): Uint8Array | null {
  if (e.body === null) return null;
  return e.bodyEncoding === "base64" ? fromBase64(e.body) : new TextEncoder().encode(e.body);
}
