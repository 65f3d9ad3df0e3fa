// One input of a trial as the trial keeps it: the live run beside the draft's, with the verdict,
// the difference and what the draft would have done. Outputs and logs are kept within caps so a
// trial of 100 runs stays readable; the comparison is made on the whole outputs first.
import { utf8Bytes, type RunResult } from "../../../protocol/run.ts";
import type { ShadowRunResult } from "../../../protocol/shadow.ts";
import type { Trial, TrialRun } from "../../../protocol/schemas/try.ts";
import type { Execution } from "../../../db/schema.ts";
import { compare } from "./compare.ts";

/** The live execution a draft runs on: its input and what it did. */
export type LiveRun = Pick<Execution, "id" | "trigger" | "status" | "input" | "output" | "errorCode" | "errorMessage" | "durationMs" | "createdAt">;

export const keptCaps = { maxOutputBytes: 64 * 1024, maxLogLines: 100 } as const;

/** About what a stored log line costs besides its message (as executions count it). */
const logLineOverheadBytes = 48;

function parsed(text: string | null | undefined): unknown {
  if (text === null || text === undefined) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** An output as the trial keeps it: whole, or left out with its size past the cap. */
function kept(text: string | null | undefined): { output: unknown; outputOmitted?: number } {
  const bytes = utf8Bytes(text ?? "");
  return bytes > keptCaps.maxOutputBytes ? { output: null, outputOmitted: bytes } : { output: parsed(text) };
}

/** The bytes a shadow run adds to its tenant's history today: its input and all it produced. */
export function runBytes(input: string, result: ShadowRunResult): number {
  let bytes = utf8Bytes(input) + utf8Bytes(result.output ?? "") + utf8Bytes(result.error?.message ?? "") + utf8Bytes(result.error?.stack ?? "");
  for (const line of result.logs) bytes += utf8Bytes(line.message) + logLineOverheadBytes;
  if (result.captured?.length) bytes += utf8Bytes(JSON.stringify(result.captured));
  return bytes;
}

export function trialRun(live: LiveRun, draft: ShadowRunResult): TrialRun {
  const { verdict, diff } = compare(
    { status: live.status, output: parsed(live.output), errorCode: live.errorCode },
    { status: draft.status, output: parsed(draft.output), errorCode: draft.error?.code ?? null },
    live.trigger === "http",
  );
  const logs = draft.logs.slice(0, keptCaps.maxLogLines);
  return {
    executionId: live.id,
    trigger: live.trigger,
    createdAt: live.createdAt,
    live: {
      status: live.status,
      ...kept(live.output),
      error: live.errorMessage === null ? null : { code: live.errorCode, message: live.errorMessage },
      durationMs: live.durationMs,
    },
    draft: {
      status: draft.status,
      ...kept(draft.output),
      error: draft.error ? { code: draft.error.code, message: draft.error.message } : null,
      durationMs: draft.durationMs,
      logs,
      ...(draft.logs.length > logs.length ? { logsOmitted: draft.logs.length - logs.length } : {}),
    },
    verdict,
    diff,
    effects: draft.captured ?? [],
    effectsDropped: draft.capturedDropped ?? 0,
  };
}

export function summaryOf(runs: readonly TrialRun[]): Trial["summary"] {
  const summary = { total: runs.length, same: 0, different: 0, failed: 0, fixed: 0, effects: 0 };
  for (const run of runs) {
    summary[run.verdict]++;
    summary.effects += run.effects.length + run.effectsDropped;
  }
  return summary;
}

/** What a run that never reached a runner answers. */
export function unavailable(message: string): RunResult {
  const now = new Date().toISOString();
  return { status: "interrupted", error: { code: "RUNNER_UNAVAILABLE", message }, logs: [], startedAt: now, finishedAt: now, durationMs: 0 };
}
