// Reading request bodies with a cap: refused with 413 as soon as they pass it, before anything
// parses them.
import { AppError } from "../../protocol/errors.ts";

/** Management bodies carry at most a 1 MB script plus its settings. */
export const maxManagementBody = 1024 * 1024 + 64 * 1024;

function tooLarge(maxBytes: number): AppError {
  return new AppError("PAYLOAD_TOO_LARGE", `the request body is larger than ${maxBytes} bytes`);
}

/**
 * The request body, read chunk by chunk: a body without a Content-Length (chunked) is never
 * held in memory whole before the check.
 */
export async function readBodyCapped(request: Request, maxBytes: number): Promise<Uint8Array> {
  if (Number(request.headers.get("content-length") ?? "0") > maxBytes) throw tooLarge(maxBytes);
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const body = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    body.set(chunk, at);
    at += chunk.byteLength;
  }
  return body;
}

/** A JSON request body, refusing what is too large, not UTF-8 or not JSON (400). */
export async function readJsonBody(request: Request, maxBytes: number, whenEmpty: unknown = {}): Promise<unknown> {
  const buffer = await readBodyCapped(request, maxBytes);
  if (buffer.byteLength === 0) return whenEmpty;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(buffer);
  } catch {
    throw new AppError("BAD_REQUEST", "the request body is not valid UTF-8");
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new AppError("BAD_REQUEST", `the request body is not valid JSON: ${(e as Error).message}`);
  }
}
