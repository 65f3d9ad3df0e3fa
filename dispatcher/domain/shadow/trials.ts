// Trying a draft on a script's recent real inputs before it goes live. Each input of the last N
// finished executions runs through the draft as a shadow job: in an isolate of its own whose
// capabilities make reads and capture writes and requests (see sdk-backend.ts and the runner's
// egress entrypoint). Shadow runs are recorded apart from the history (never listed, alerted on,
// retried or published), run within the tenant's concurrency limit and count toward its history
// budget; the trial is kept, like history, for the tenant's retention.
import { and, desc, eq, inArray } from "drizzle-orm";
import type * as z from "zod";
import type { Database } from "../../../db/open-remote.ts";
import { executions, shadowTrials } from "../../../db/schema.ts";
import { AppError, notFound } from "../../../protocol/errors.ts";
import { shadowIdPrefix, type ShadowJob, type ShadowRunResult } from "../../../protocol/shadow.ts";
import { trialLimits, type Trial, type TrialRun, type tryRequest } from "../../../protocol/schemas/try.ts";
import type { Runner } from "../../platform/runner.ts";
import type { Admission } from "../admission.ts";
import { authorOf, type Principal } from "../principal.ts";
import { runnerWaitMs } from "../runs.ts";
import type { ScriptService } from "../scripts.ts";
import type { TypedScript } from "../script-view.ts";
import { newId, sha256Hex } from "../secrets.ts";
import { compileScript } from "../typescript/index.ts";
import { runBytes, summaryOf, trialRun, unavailable, type LiveRun } from "./record.ts";
import { abandonStatement, countHistory, emptyStatement, finishStatement, releaseOne, startStatement, type TrialStart } from "./slots.ts";

type TryBody = z.output<typeof tryRequest>;

/** The live outcomes a draft is compared with: runs that finished on their own. */
const comparable = ["succeeded", "failed", "timed_out"] as const;
/** How many times a shadow run that found no runner process is tried again. */
const busyRetries = 3;

interface Draft {
  tenant: { id: string; slug: string };
  script: TypedScript;
  /** What runs: the source, or the JavaScript a TypeScript draft strips to. */
  code: string;
  /** Names the draft's isolate (see execute.ts). */
  codeHash: string;
}

export class TrialService {
  readonly #db: Database;
  readonly #scripts: ScriptService;
  readonly #admission: Admission;
  readonly #runner: Runner;

  constructor(db: Database, scripts: ScriptService, admission: Admission, runner: Runner) {
    this.#db = db;
    this.#scripts = scripts;
    this.#admission = admission;
    this.#runner = runner;
  }

  async try(principal: Principal, scriptId: string, body: TryBody): Promise<Trial> {
    const script = await this.#scripts.find(principal, scriptId);
    // Checked and, for TypeScript, stripped as a save would: what runs is what would go live.
    const language = body.language ?? script.language;
    const compiled = await compileScript(body.code, language);
    const sourceHash = await sha256Hex(body.code);
    // The same source as JavaScript and as TypeScript may run differently: separate isolates.
    const draft: Draft = {
      tenant: principal.tenant,
      script,
      code: compiled ?? body.code,
      codeHash: compiled === null ? sourceHash : `${language}:${sourceHash}`,
    };
    const inputs = await this.#recentRuns(principal.tenant.id, script.id, body.last ?? trialLimits.defaultLast);
    const start: TrialStart = {
      id: newId("trl"),
      tenantId: principal.tenant.id,
      scriptId: script.id,
      codeHash: sourceHash,
      createdBy: authorOf(principal),
      createdAt: new Date().toISOString(),
      runs: inputs.length,
      timeoutMs: script.timeoutMs,
    };
    if (inputs.length === 0) {
      const trial = this.#trial(start, new Date().toISOString(), []);
      await this.#db.$batch([emptyStatement(start, JSON.stringify(trial))]);
      return trial;
    }
    const [held] = await this.#db.$batch([startStatement(start, this.#admission.caps.tenantDefault, this.#admission.caps.budgets.maxHistoryBytesPerDay)]);
    const slots = Number(held?.[0]?.[0] ?? 0);
    if (slots === 0) throw await this.#refusal(principal.tenant);
    try {
      const runs = await this.#runAll(draft, inputs, slots, start.id);
      const trial = this.#trial(start, new Date().toISOString(), runs);
      await this.#db.$batch([finishStatement(start.id, JSON.stringify(trial))]);
      return trial;
    } catch (error) {
      await this.#db.$batch([abandonStatement(start.id)]).catch(() => undefined);
      throw error;
    }
  }

  async get(principal: Principal, scriptId: string, trialId: string): Promise<Trial> {
    const [row] = await this.#db
      .select()
      .from(shadowTrials)
      .where(and(eq(shadowTrials.id, trialId), eq(shadowTrials.tenantId, principal.tenant.id), eq(shadowTrials.scriptId, scriptId)));
    if (!row) throw notFound("trial");
    if (row.result !== null) return JSON.parse(row.result) as Trial;
    const running = row.heldUntil !== null && Date.parse(row.heldUntil) > Date.now();
    const start = { id: row.id, scriptId: row.scriptId, codeHash: row.codeHash, createdBy: row.createdBy };
    return { ...start, createdAt: row.createdAt, finishedAt: null, status: running ? "running" : "abandoned", summary: summaryOf([]), runs: [] };
  }

  #trial(start: TrialStart, finishedAt: string, runs: TrialRun[]): Trial {
    const { id, scriptId, codeHash, createdBy, createdAt } = start;
    return { id, scriptId, codeHash, createdBy, createdAt, finishedAt, status: "finished", summary: summaryOf(runs), runs };
  }

  /** The script's latest finished executions, newest first. */
  #recentRuns(tenantId: string, scriptId: string, last: number): Promise<LiveRun[]> {
    return this.#db
      .select({
        id: executions.id,
        trigger: executions.trigger,
        status: executions.status,
        input: executions.input,
        output: executions.output,
        errorCode: executions.errorCode,
        errorMessage: executions.errorMessage,
        durationMs: executions.durationMs,
        createdAt: executions.createdAt,
      })
      .from(executions)
      .where(and(eq(executions.tenantId, tenantId), eq(executions.scriptId, scriptId), inArray(executions.status, [...comparable])))
      .orderBy(desc(executions.createdAt), desc(executions.id))
      .limit(last);
  }

  /** Runs every input, `slots` at a time; each worker gives its slot back when nothing is left. */
  async #runAll(draft: Draft, inputs: LiveRun[], slots: number, trialId: string): Promise<TrialRun[]> {
    const runs: TrialRun[] = [];
    let next = 0;
    const worker = async () => {
      while (next < inputs.length) {
        const i = next++;
        runs[i] = await this.#runOne(draft, inputs[i]!);
      }
      await this.#db.$batch([releaseOne(trialId)]);
    };
    await Promise.all(Array.from({ length: slots }, worker));
    return runs;
  }

  async #runOne(draft: Draft, live: LiveRun): Promise<TrialRun> {
    const { script, tenant } = draft;
    const input = live.input ?? "null";
    const job: ShadowJob = {
      executionId: newId(shadowIdPrefix),
      tenantId: tenant.id,
      tenantSlug: tenant.slug,
      scriptId: script.id,
      scriptName: script.name,
      version: script.currentVersion,
      codeHash: draft.codeHash,
      code: draft.code,
      input,
      trigger: live.trigger,
      attempt: 1,
      timeoutMs: script.timeoutMs,
      memoryMb: script.memoryMb,
      sdkVersion: script.sdkVersion,
      shadow: true,
    };
    let result: ShadowRunResult = unavailable("the draft was not run");
    for (let attempt = 0; attempt <= busyRetries; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, runnerWaitMs));
      result = await this.#runner.run(job).catch((e: Error) => unavailable(e.message));
      if (result.error?.code !== "RUNNER_BUSY") break;
    }
    await this.#db.$batch([countHistory(tenant.id, runBytes(input, result))]);
    return trialRun(live, result);
  }

  async #refusal(tenant: { id: string; slug: string }): Promise<AppError> {
    const usage = await this.#admission.usage(tenant.id);
    if (usage.historyBytesToday >= usage.budgets.maxHistoryBytesPerDay) return this.#admission.refusal(tenant, "this trial", 0, "history");
    return new AppError(
      "RATE_LIMITED",
      `tenant ${tenant.slug} is using all ${usage.limit} of its concurrent executions, which a trial's runs share; retry shortly`,
      {
        details: { retryAfterSeconds: 1, running: usage.running, limit: usage.limit },
      },
    );
  }
}
