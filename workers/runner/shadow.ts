// What a shadow execution (a draft being tried) did instead of acting, kept by the runner beside
// the execution, outside the script's isolate: the SDK backend answers a shadow caller's writes
// with what it captured, and the egress entrypoint answers its fetches itself. The runner hands
// the list back with the run's result.
import { capturedFetchAnswer, preview, shadowCaps, type CapturedEffect } from "../../protocol/shadow.ts";

export interface ShadowRecord {
  captured: CapturedEffect[];
  dropped: number;
  /** Secret values the execution read: masked in what it captured, as in its logs and output. */
  secrets: string[];
}

export const newShadowRecord = (): ShadowRecord => ({ captured: [], dropped: 0, secrets: [] });

function masked(value: unknown, secrets: readonly string[]): unknown {
  if (secrets.length === 0) return value;
  let json = JSON.stringify(value);
  if (json === undefined) return value;
  for (const secret of secrets) {
    // As JSON text, a secret may appear escaped; both forms are masked.
    for (const form of new Set([secret, JSON.stringify(secret).slice(1, -1)])) json = json.split(form).join("***");
  }
  try {
    return JSON.parse(json);
  } catch {
    return "(masked)";
  }
}

export function keepEffect(record: ShadowRecord, effect: CapturedEffect): void {
  if (record.captured.length >= shadowCaps.maxEffectsPerRun) {
    record.dropped++;
    return;
  }
  // Masked before it is cut, so no part of a secret is left at the cut.
  record.captured.push({ call: effect.call, args: preview(masked(effect.args, record.secrets)), answered: preview(masked(effect.answered, record.secrets)) });
}

/** Notes a secret the execution read (the harness masks values of 4 characters or more). */
export function noteSecret(record: ShadowRecord, value: unknown): void {
  if (typeof value === "string" && value.length >= 4) record.secrets.push(value);
}

/** The start of a request's body, read not far past the cap (the effect is cut to it later). */
async function bodyPreview(request: Request): Promise<string | null> {
  if (!request.body) return null;
  const reader = request.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      if (text.length > 2 * shadowCaps.maxEffectChars) return `${text.slice(0, 2 * shadowCaps.maxEffectChars)}…`;
    }
    return text + decoder.decode();
  } finally {
    void reader.cancel().catch(() => undefined);
  }
}

/**
 * A shadow execution's fetch: recorded, never sent, and answered with a synthetic 202 marked
 * `x-iota-shadow: captured`. `headers` are the script's own (the platform's x-iota-* removed).
 */
export async function captureFetch(record: ShadowRecord, request: Request, headers: Headers): Promise<Response> {
  const { status, body } = capturedFetchAnswer;
  keepEffect(record, {
    call: "fetch",
    args: { method: request.method, url: request.url, headers: Object.fromEntries(headers), body: await bodyPreview(request) },
    answered: { status, headers: capturedFetchAnswer.headers },
  });
  return Response.json(body, { status, headers: capturedFetchAnswer.headers });
}
