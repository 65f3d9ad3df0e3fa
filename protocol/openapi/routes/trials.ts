// Trying a draft on a script's recent real inputs (shadow mode), and reading a trial back.
import { trial, trialParams, tryRequest, type Trial } from "../../schemas/try.ts";
import * as z from "zod";
import { id } from "../../schemas/common.ts";
import { body, json, route } from "../operation.ts";

const tag = "Scripts";
const at = "2026-11-24T09:30:00.000Z";

const trialExample: Trial = {
  id: "trl_01jq3v2k7c9x8m",
  scriptId: "scr_01jq3v2k7c9x8m",
  codeHash: "9f2c4b1e0a7d5c3b8e6f1a2d4c7b9e0f3a5d8c1b6e9f2a4d7c0b3e5f8a1d4c7b",
  createdBy: "dana (usr_01jq3v2k7c9x8m)",
  createdAt: at,
  finishedAt: "2026-11-24T09:30:02.310Z",
  status: "finished",
  summary: { total: 1, same: 0, different: 1, failed: 0, fixed: 0, effects: 1 },
  runs: [
    {
      executionId: "exe_01jq3v2k7c9x8m",
      trigger: "embedded",
      createdAt: "2026-11-24T08:12:45.120Z",
      live: { status: "succeeded", output: { unit: 10, total: 108 }, error: null, durationMs: 14 },
      draft: { status: "succeeded", output: { unit: 10, total: 102 }, error: null, durationMs: 16, logs: [{ level: "info", message: "pricing 12 x A-1", at }] },
      verdict: "different",
      diff: [{ path: "$.total", live: 108, draft: 102 }],
      effects: [{ call: "kv.put", args: ["last-price", 102], answered: null }],
      effectsDropped: 0,
    },
  ],
};

const draft = "export default async function (input, ctx) {\n  return { unit: 10, total: input.qty * 10 * 0.85 };\n}\n";

export const trialRoutes = [
  route("post", "/admin/api/scripts/{id}/try", "tryDraft", {
    tag,
    who: "scripts.write",
    summary: "Try a draft on the script's recent real inputs, in shadow mode",
    description: [
      "Runs `code` on the inputs of the script's last `last` finished executions (HTTP scripts: the recorded request), each with the script's timeout and memory, and answers how each compares with the live run: `same`, `different` (with `diff`), `failed` (the draft failed where the live run succeeded) or `fixed`.",
      "Reads are real (`ctx.sdk` list/get, `ctx.kv` get/list, `ctx.secrets.get`); nothing leaves: SDK creates and updates, `kv.put`/`kv.delete`, `events.publish` and `fetch()` are captured, not performed, and listed per run in `effects`. A captured write answers what it would have (the created record with a new id, the updated record, whether the key existed; a publish answers `{id, deliveries: 0}`); a captured `fetch()` answers `202` with `x-iota-shadow: captured` and a JSON body saying it was not sent.",
      "Shadow runs take slots of the tenant's concurrency limit while they run and count toward its daily history budget, but are not history: they are not listed in executions, alerted on, retried or published. The trial is kept for the tenant's retention (`GET .../trials/{trialId}`).",
    ].join("\n\n"),
    params: z.object({ id: id("scr") }),
    body: body(tryRequest, { code: draft, last: 50 }),
    answers: [json(200, "The trial: per input the live run beside the draft's, and a summary.", trial, trialExample)],
    errors: {
      422: "A field is wrong, or the draft has a syntax error (`SYNTAX_ERROR` with `details.line` and `details.column`).",
      429: "The tenant's concurrent executions are all in use (`RATE_LIMITED`), or it has recorded its daily history budget (`HISTORY_BUDGET_EXCEEDED`); `Retry-After` says when to retry.",
    },
  }),
  route("get", "/admin/api/scripts/{id}/trials/{trialId}", "getTrial", {
    tag,
    who: "executions.read",
    summary: "A trial of a draft, as it was answered",
    description: "While the trial runs: `status: running` and no runs yet; one whose dispatcher stopped before it finished reads `abandoned`.",
    params: trialParams,
    answers: [json(200, "The trial.", trial, trialExample)],
  }),
];
