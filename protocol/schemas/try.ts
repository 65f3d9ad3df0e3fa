// Trying a draft on a script's recent real inputs before it goes live (shadow mode): what a try
// takes, and the trial it answers: per input, the live run beside the draft's, a verdict, the
// difference, and the writes and requests the draft would have made (captured, not made).
import * as z from "zod";
import type { CapturedEffect } from "../shadow.ts";
import { closed, id, instant, wholeNumber } from "./common.ts";
import { executionDetail, executionStatus, trigger } from "./executions.ts";
import { scriptCode, scriptLanguage } from "./scripts.ts";

export const trialLimits = { defaultLast: 50, maxLast: 100 } as const;

/** `POST /admin/api/scripts/:id/try`. */
export const tryRequest = closed({
  code: scriptCode,
  last: wholeNumber(1, trialLimits.maxLast)
    .optional()
    .meta({ description: `How many of the script's latest finished executions to replay; default ${trialLimits.defaultLast}.` }),
  language: scriptLanguage
    .optional()
    .meta({ description: "The draft's language, `js` or `ts` (its types stripped as at save); the script's own when left out." }),
}).meta({ id: "TryRequest" });

export const verdict = z.enum(["same", "different", "failed", "fixed"]).meta({
  description:
    "`same`/`different`: both succeeded (or both did not) with equal or differing outcomes; `failed`: the draft failed where the live run succeeded; `fixed`: the draft succeeded where the live run failed.",
});
export type Verdict = z.infer<typeof verdict>;

export const capturedEffect = z
  .object({
    call: z.string().meta({ example: "clients.create" }),
    args: z.unknown().meta({ description: "What the draft asked for: the call's arguments, or `{method, url, headers, body}` of a request (cut past 4 KB)." }),
    answered: z.unknown().meta({ description: "What the draft was answered instead." }),
  })
  .meta({ id: "CapturedEffect" }) satisfies z.ZodType<CapturedEffect>;

export const diffEntry = z
  .object({
    path: z.string().meta({
      description: "Where the outcomes differ: `$` the whole, `$.total`, `$.items[2]`; for HTTP scripts `$.status`, `$.headers.content-type`, `$.body.total`.",
    }),
    live: z.unknown().optional().meta({ description: "Absent where only the draft has a value." }),
    draft: z.unknown().optional().meta({ description: "Absent where only the live run has a value." }),
  })
  .meta({ id: "DiffEntry" });

const runError = z.object({ code: z.string().nullable(), message: z.string() }).nullable();

const liveOutcome = z.object({
  status: executionStatus,
  output: z
    .unknown()
    .meta({ description: "The return value (HTTP scripts: the response as history keeps it); null when left out for size (`outputOmitted`)." }),
  outputOmitted: z.int().optional().meta({ description: "The output's size in bytes, when it was too large to keep here." }),
  error: runError,
  durationMs: z.int().nullable(),
});

export const trialRun = z
  .object({
    executionId: id("exe").meta({ description: "The live execution whose input the draft ran on." }),
    trigger,
    createdAt: instant,
    live: liveOutcome,
    draft: liveOutcome.extend({
      logs: executionDetail.shape.logs,
      logsOmitted: z.int().optional().meta({ description: "Log lines not kept here." }),
    }),
    verdict,
    diff: z.array(diffEntry).meta({ description: "The first 50 differences, in document order." }),
    effects: z.array(capturedEffect).meta({ description: "The writes and requests the draft made, captured and not performed." }),
    effectsDropped: z.int().meta({ description: "Effects past the 100 kept per run." }),
  })
  .meta({ id: "TrialRun" });

export const trialSummary = z.object({
  total: z.int(),
  same: z.int(),
  different: z.int(),
  failed: z.int(),
  fixed: z.int(),
  effects: z.int().meta({ description: "Captured writes and requests, all runs together." }),
});

export const trial = z
  .object({
    id: id("trl"),
    scriptId: id("scr"),
    codeHash: z.string().meta({ description: "sha256 of the draft's code as it ran." }),
    createdBy: z.string(),
    createdAt: instant,
    finishedAt: instant.nullable(),
    status: z
      .enum(["running", "finished", "abandoned"])
      .meta({ description: "`abandoned`: the trial stopped answering before it finished (its dispatcher restarted)." }),
    summary: trialSummary,
    runs: z.array(trialRun).meta({ description: "Newest live execution first." }),
  })
  .meta({ id: "Trial" });
export type Trial = z.infer<typeof trial>;
export type TrialRun = z.infer<typeof trialRun>;

export const trialParams = z.object({ id: id("scr"), trialId: id("trl") });
