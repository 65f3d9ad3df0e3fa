// How a draft's run on an input compares with the live run on it: a verdict, and where their
// outcomes differ, path by path. HTTP scripts are compared by their responses: status, headers
// and body (a JSON body structurally, any other as text).
import type { Verdict } from "../../../protocol/schemas/try.ts";

export interface DiffEntry {
  path: string;
  live?: unknown;
  draft?: unknown;
}

export interface Outcome {
  status: string;
  /** The output as parsed JSON (HTTP scripts: the recorded response). */
  output: unknown;
  errorCode: string | null;
}

export const maxDiffEntries = 50;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

function member(path: string, key: string): string {
  return /^[A-Za-z_$][\w$-]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** Where two JSON values differ, outermost first; at most `max` entries. */
export function structuralDiff(live: unknown, draft: unknown, max = maxDiffEntries): DiffEntry[] {
  const out: DiffEntry[] = [];
  const walk = (a: unknown, b: unknown, path: string): void => {
    if (out.length >= max) return;
    if (Array.isArray(a) && Array.isArray(b)) {
      for (let i = 0; i < Math.max(a.length, b.length); i++) {
        if (i >= a.length) out.push({ path: `${path}[${i}]`, draft: b[i] });
        else if (i >= b.length) out.push({ path: `${path}[${i}]`, live: a[i] });
        else walk(a[i], b[i], `${path}[${i}]`);
        if (out.length >= max) return;
      }
      return;
    }
    if (isObject(a) && isObject(b)) {
      const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
      for (const key of keys) {
        const at = member(path, key);
        if (!(key in b)) out.push({ path: at, live: a[key] });
        else if (!(key in a)) out.push({ path: at, draft: b[key] });
        else walk(a[key], b[key], at);
        if (out.length >= max) return;
      }
      return;
    }
    if (!Object.is(a, b)) out.push({ path, live: a, draft: b });
  };
  walk(live, draft, "$");
  return out;
}

/** An HTTP script's recorded response, as it is compared: headers by name, a JSON body parsed. */
export function comparableResponse(recorded: unknown): unknown {
  if (!isObject(recorded) || typeof recorded.status !== "number") return recorded;
  const headers: Record<string, string> = {};
  for (const pair of Array.isArray(recorded.headers) ? recorded.headers : []) {
    if (Array.isArray(pair) && typeof pair[0] === "string") headers[pair[0].toLowerCase()] = String(pair[1]);
  }
  let body: unknown = recorded.body ?? null;
  if (typeof body === "string" && recorded.bodyEncoding !== "base64" && /\bjson\b/i.test(headers["content-type"] ?? "")) {
    try {
      body = JSON.parse(body);
    } catch {
      // not JSON after all: compared as text
    }
  }
  return { status: recorded.status, headers, body };
}

const succeeded = (o: Outcome) => o.status === "succeeded";

/** The verdict on one input, and what differs (outputs when both succeeded, else how each ended). */
export function compare(live: Outcome, draft: Outcome, http: boolean): { verdict: Verdict; diff: DiffEntry[] } {
  if (succeeded(live) && !succeeded(draft))
    return { verdict: "failed", diff: structuralDiff({ status: live.status }, { status: draft.status, errorCode: draft.errorCode }) };
  if (!succeeded(live) && succeeded(draft))
    return { verdict: "fixed", diff: structuralDiff({ status: live.status, errorCode: live.errorCode }, { status: draft.status }) };
  const diff = succeeded(live)
    ? http
      ? structuralDiff(comparableResponse(live.output), comparableResponse(draft.output))
      : structuralDiff(live.output, draft.output)
    : structuralDiff({ status: live.status, errorCode: live.errorCode }, { status: draft.status, errorCode: draft.errorCode });
  return { verdict: diff.length === 0 ? "same" : "different", diff };
}
