// Shadow runs: a draft tried on a script's recent real inputs, where reads are real but nothing
// leaves. What crosses dispatcher -> host -> runner for one, beside protocol/run.ts. The shadow
// flag is the platform's: the runner gives a shadow job's isolate capabilities made for shadow
// callers, and the SDK backend and the egress entrypoint capture instead of acting for them.
import type { RunJob, RunResult } from "./run.ts";

/** A write or request the platform captured instead of performing, as the trial lists it. */
export interface CapturedEffect {
  /** What the script called: `clients.create`, `kv.put`, `events.publish`, `fetch`. */
  call: string;
  /** What it asked for: the call's arguments, or `{method, url, headers, body}` of a request. */
  args: unknown;
  /** What the script was answered instead, so it could go on. */
  answered: unknown;
}

export type ShadowJob = RunJob & { shadow?: boolean };
export type ShadowRunResult = RunResult & { captured?: CapturedEffect[]; capturedDropped?: number };

/** Shadow executions have ids of their own, never in the history: `shd_...`. */
export const shadowIdPrefix = "shd";
export const isShadowExecution = (executionId: unknown) => typeof executionId === "string" && executionId.startsWith(`${shadowIdPrefix}_`);

export const shadowCaps = {
  /** Effects kept per run; past it they are counted, not listed. */
  maxEffectsPerRun: 100,
  /** An effect's arguments (and a captured request's body) as JSON text, at most. */
  maxEffectChars: 4096,
} as const;

/** What a captured fetch() answers the script: a clear synthetic response, never the remote's. */
export const capturedFetchAnswer = {
  status: 202,
  headers: { "content-type": "application/json", "x-iota-shadow": "captured" },
  body: { shadow: "captured", message: "not sent: a draft being tried never reaches the network" },
} as const;

/** A value as an effect keeps it: itself when its JSON is short, else the start of that JSON. */
export function preview(value: unknown): unknown {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    return "(not JSON-serialisable)";
  }
  if (json === undefined) return null;
  return json.length <= shadowCaps.maxEffectChars ? value : `${json.slice(0, shadowCaps.maxEffectChars)}…`;
}
