// Starting scripts: admit the execution under the concurrency quotas and budgets, hand it to a
// runner, record the outcome, then start whatever was waiting for the slot.
import type { ExecutionDetail } from "../../protocol/api.ts";
import { AppError, invalid } from "../../protocol/errors.ts";
import { utf8Bytes, type RunJob, type RunResult } from "../../protocol/run.ts";
import type { Script, Trigger } from "../../db/schema.ts";
import type { Runner } from "../platform/runner.ts";
import type { Admission, Claimed } from "./admission.ts";
import { Cancellation, type PeerOf } from "./cancel.ts";
import type { ExecutionService } from "./executions.ts";
import { authorOf, type Principal } from "./principal.ts";
import { kindOfTrigger } from "./script-directory.ts";
import type { ScriptService } from "./scripts.ts";
import type * as z from "zod";
import type { rerunRequest, runRequest } from "../../protocol/schemas/executions.ts";

export const maxInputBytes = 1024 * 1024;

/**
 * How long work that found no runner process waits before it is tried again: long enough that
 * a tenant's queue is not claimed over and over while processes are taken, short enough that it
 * starts soon after one frees up.
 */
export const runnerWaitMs = 1500;
/** What a sync call that found no runner process is told to wait. */
const runnerBusyRetryAfterSeconds = 2;

/**
 * How long a finished run's outcome write is tried again when the database cannot take it. The
 * outcome exists only in this dispatcher's memory, so giving up loses it; what retrying costs is
 * one timer and the result held meanwhile (its slot stays taken, as the record still says
 * running). Two minutes outlasts a server restart or a managed failover (seconds to tens of
 * seconds), and a 10 s request timeout still gets several tries in against a hung server; past
 * it the outage is an operator's matter, and the lost-run sweep closes the record as LOST.
 * Not tied to the run's deadline: an outcome written after the sweep closed it replaces that.
 */
export const outcomeRetryMs = 2 * 60_000;
/** The first wait before trying an outcome write again; it doubles up to `outcomeRetryMaxWaitMs`. */
const outcomeRetryFirstWaitMs = 250;
const outcomeRetryMaxWaitMs = 8000;

/** What a failure says went wrong, from the innermost error that says it (never a query's parameters). */
function causeOf(error: unknown): string {
  let said = String((error as Error)?.message ?? error);
  for (let e = error as { message?: unknown; cause?: unknown; query?: unknown } | undefined, depth = 0; e && depth < 6; e = e.cause as typeof e, depth++) {
    if (typeof e.query !== "string" && typeof e.message === "string" && e.message !== "") said = e.message;
    if (typeof (e as { code?: unknown }).code === "string") break;
  }
  return said;
}

export type StartedRun =
  | { mode: "sync"; id: string; execution: ExecutionDetail | undefined; result: RunResult }
  | { mode: "async"; id: string; status: "running" | "queued" };
export type Background = (work: Promise<unknown>) => void;

export interface Launch {
  tenant: { id: string; slug: string };
  script: Script;
  version: { number: number; code: string; sha256: string };
  /** Already JSON-encoded. */
  input: string;
  trigger: Trigger;
  mode: "sync" | "async";
  attempt?: number;
  createdBy?: string;
  rerunOf?: string;
  /** Sync runs: read the stored record back for the answer (false when the result is enough). */
  withRecord?: boolean;
  /** Sync runs: told the execution's id once it is recorded, before it runs (a caller may answer before it ends). */
  onAdmitted?: (id: string) => void;
}

export class RunService {
  readonly #scripts: ScriptService;
  readonly #executions: ExecutionService;
  readonly #admission: Admission;
  readonly #runner: Runner;

  readonly #onFinished: ((job: RunJob, result: RunResult) => Promise<void>) | undefined;
  readonly #cancellation: Cancellation;

  constructor(
    scripts: ScriptService,
    executions: ExecutionService,
    admission: Admission,
    runner: Runner,
    onFinished?: (job: RunJob, result: RunResult) => Promise<void>,
    peerOf: PeerOf = async () => undefined,
  ) {
    this.#scripts = scripts;
    this.#executions = executions;
    this.#admission = admission;
    this.#runner = runner;
    this.#onFinished = onFinished;
    this.#cancellation = new Cancellation(executions, admission, runner, (claimed, background) => this.startClaimed(claimed, background), peerOf);
  }

  /** Cancels a queued or running execution (see cancel.ts); answers its record. */
  cancel(principal: Principal, executionId: string, background: Background): Promise<ExecutionDetail> {
    return this.#cancellation.cancel(principal, executionId, background);
  }

  get runner(): Runner {
    return this.#runner;
  }

  /** A manual run from the API: `{input, mode, version}`, as the schema passed it. */
  async start(
    principal: Principal,
    scriptId: string,
    body: z.output<typeof runRequest>,
    background: Background,
    rerunOf?: string,
    trigger: Trigger = "manual",
  ): Promise<StartedRun> {
    const mode = body.mode ?? "sync";
    const script = await this.#scripts.find(principal, scriptId);
    // Which versions exist is known only now.
    if (body.version !== undefined && body.version > script.currentVersion) throw invalid("version", `version must be from 1 to ${script.currentVersion}`);
    const number = body.version ?? script.currentVersion;
    // What runs: a TypeScript version's stripped JavaScript, never its source.
    const version = await this.#scripts.immutableVersion(principal.tenant.id, scriptId, number);
    return this.launch(
      { tenant: principal.tenant, script, version, input: encodeInput(body.input), trigger, mode, createdBy: authorOf(principal), rerunOf },
      background,
    );
  }

  /** Runs a past execution's script again, with its input or an edited one. */
  async rerun(principal: Principal, executionId: string, body: z.output<typeof rerunRequest>, background: Background): Promise<StartedRun> {
    const past = await this.#executions.get(principal, executionId);
    const input = "input" in body ? body.input : past.input;
    // An HTTP request is replayed as the request it was, so the script gets a Request again.
    return this.start(principal, past.scriptId, { ...body, input }, background, past.id, past.trigger === "http" ? "http" : "manual");
  }

  async launch(l: Launch, background: Background): Promise<StartedRun> {
    const record = {
      tenantId: l.tenant.id,
      scriptId: l.script.id,
      version: l.version.number,
      trigger: l.trigger,
      input: l.input,
      attempt: l.attempt,
      createdBy: l.createdBy,
      rerunOf: l.rerunOf,
      timeoutMs: l.script.timeoutMs,
    };
    const job = (executionId: string): RunJob => ({
      executionId,
      tenantId: l.tenant.id,
      tenantSlug: l.tenant.slug,
      scriptId: l.script.id,
      scriptName: l.script.name,
      version: l.version.number,
      codeHash: l.version.sha256,
      code: l.version.code,
      input: l.input,
      trigger: l.trigger,
      attempt: l.attempt ?? 1,
      timeoutMs: l.script.timeoutMs,
      memoryMb: l.script.memoryMb,
      sdkVersion: l.script.sdkVersion,
    });
    if (l.mode === "async") {
      const admitted = await this.#admission.admitOrQueue(record);
      if (!admitted) throw await this.#admission.refusal(l.tenant, "this run", utf8Bytes(l.input));
      if (admitted.status === "running") background(this.#execute(job(admitted.id), background, "async"));
      return { mode: "async", id: admitted.id, status: admitted.status };
    }
    const id = await this.#admission.admitNow(record);
    if (!id) {
      const usage = await this.#admission.usage(l.tenant.id);
      if (usage.historyBytesToday >= usage.budgets.maxHistoryBytesPerDay) throw await this.#admission.refusal(l.tenant, "this run", 0, "history");
      const { running, queued, limit } = usage;
      throw new AppError(
        "RATE_LIMITED",
        `tenant ${l.tenant.slug} is running ${running} executions, its limit is ${limit} (or the platform is at capacity); retry shortly or run it async`,
        {
          details: { retryAfterSeconds: 1, running, queued, limit },
        },
      );
    }
    l.onAdmitted?.(id);
    const result = await this.#execute(job(id), background, "sync");
    if (result.error?.code === "RUNNER_BUSY") {
      throw new AppError(
        "RUNNER_BUSY",
        `no runner process is free for this run: the platform is at capacity. The run was recorded as interrupted (execution ${id}); retry in a few seconds`,
        {
          details: { retryAfterSeconds: runnerBusyRetryAfterSeconds, executionId: id },
        },
      );
    }
    const execution = l.withRecord === false ? undefined : await this.#executions.detail(l.tenant.id, id);
    return { mode: "sync", id, execution, result };
  }

  /**
   * Starts waiting executions while there is room. For the tick and for work queued outside a
   * finishing run (retries, replays); a finishing run hands its own slot on (`claimAfter`).
   */
  async drain(background: Background): Promise<number> {
    let started = 0;
    for (;;) {
      const claimed = await this.#admission.claimNext();
      if (!claimed) return started;
      started++;
      background(this.startClaimed(claimed, background));
    }
  }

  /** Runs an execution already recorded as running (claimed from the queue or a schedule slot). */
  async startClaimed(c: Claimed, background: Background): Promise<unknown> {
    const found = await this.#scripts.forExecution(c.tenantId, c.scriptId, c.version, kindOfTrigger(c.trigger));
    // A run that waited is not started for a script deleted or switched off meanwhile (manual
    // runs of a disabled script are the exception: someone asked for that one explicitly).
    const gone = !found || found.script.deletedAt ? "deleted" : !found.script.enabled && c.trigger !== "manual" ? "disabled" : undefined;
    if (!found || gone) {
      const now = new Date().toISOString();
      const cancelled: RunResult = {
        status: "cancelled",
        error: { code: "CANCELLED", message: `the script was ${gone} before this run could start` },
        logs: [],
        startedAt: now,
        finishedAt: now,
        durationMs: 0,
      };
      const { next } = await this.#record({ executionId: c.id, tenantId: c.tenantId }, cancelled);
      if (next) background(this.startClaimed(next, background));
      return;
    }
    const { script, version, tenantSlug } = found;
    await this.#execute(
      {
        executionId: c.id,
        tenantId: c.tenantId,
        tenantSlug,
        scriptId: script.id,
        scriptName: script.name,
        version: version.number,
        codeHash: version.sha256,
        code: version.code,
        input: c.input,
        trigger: c.trigger,
        attempt: c.attempt,
        timeoutMs: c.timeoutMs ?? script.timeoutMs,
        memoryMb: script.memoryMb,
        sdkVersion: script.sdkVersion,
      },
      background,
      "async",
    );
  }

  /**
   * Runs a job already recorded as running. `mode`: what to do when no runner process can be
   * had: a sync caller is waiting, so the run is recorded (interrupted) for it to answer 503;
   * async work goes back to the queue to start when a process frees up.
   */
  async #execute(job: RunJob, background: Background, mode: "sync" | "async"): Promise<RunResult> {
    let result: RunResult;
    try {
      result = await this.#runner.run(job);
    } catch (e) {
      if (e instanceof AppError && e.code === "HOST_GONE") {
        // This dispatcher outlived its host by a moment. Recording the run now would say the
        // runner was unavailable; the host's restart says what really happened to it.
        console.log(JSON.stringify({ level: "warn", event: "execution.left-to-recovery", executionId: job.executionId, tenantId: job.tenantId }));
        if (mode === "sync") throw e;
        // Nobody waits on an async run's result: nothing to return but the fact, unrecorded.
        return { status: "interrupted", error: { code: "RUNNER_UNAVAILABLE", message: e.message }, logs: [], startedAt: "", finishedAt: "", durationMs: 0 };
      }
      const now = new Date().toISOString();
      result = {
        status: "interrupted",
        error: { code: "RUNNER_UNAVAILABLE", message: (e as Error).message },
        logs: [],
        startedAt: now,
        finishedAt: now,
        durationMs: 0,
      };
    }
    const busy = result.error?.code === "RUNNER_BUSY";
    if (busy && mode === "async") {
      const next = await this.#admission.requeueUntil(job.executionId, job.tenantId, new Date(Date.now() + runnerWaitMs).toISOString());
      console.log(
        JSON.stringify({
          level: "warn",
          event: "execution.requeued",
          executionId: job.executionId,
          tenantId: job.tenantId,
          reason: "RUNNER_BUSY",
          waitMs: runnerWaitMs,
        }),
      );
      if (next) background(this.startClaimed(next, background));
      return result;
    }
    const { next, recorded } = await this.#record(job, result, busy ? undefined : job.tenantId);
    console.log(
      JSON.stringify({
        level: recorded ? "info" : "error",
        event: "execution.finished",
        executionId: job.executionId,
        tenantId: job.tenantId,
        scriptId: job.scriptId,
        trigger: job.trigger,
        status: result.status,
        durationMs: result.durationMs,
        ...(recorded ? {} : { recorded: false }),
      }),
    );
    // One slot freed, one taken: anything else waiting is for slots that are not free (a
    // raised limit is picked up by the next tick's drain).
    if (next) background(this.startClaimed(next, background));
    // A run that found no process never ran: nothing about the script to alert on.
    if (this.#onFinished && !busy)
      background(
        this.#onFinished(job, result).catch((e: Error) =>
          console.error(JSON.stringify({ level: "error", event: "alerts.failed", executionId: job.executionId, error: e.message })),
        ),
      );
    return result;
  }

  /**
   * Writes a run's outcome; the slot this run held goes to the oldest waiting execution, in the
   * same transaction (shared with other writes of the moment, see GroupCommit; `ranFor`: see
   * `Admission.claimAfter`). A write the database does not take is tried again, with growing
   * waits, for up to `outcomeRetryMs`: the outcome is in memory only. Each failure is logged,
   * naming the execution and the cause. A sync caller waits for this as it waits for the run.
   */
  async #record(job: Pick<RunJob, "executionId" | "tenantId">, result: RunResult, ranFor?: string): Promise<{ next: Claimed | undefined; recorded: boolean }> {
    const since = Date.now();
    let wait = outcomeRetryFirstWaitMs;
    for (let attempt = 1; ; attempt++) {
      try {
        const next = await this.#admission.claimAfter(this.#executions.finishStatements(job.executionId, result), ranFor);
        return { next, recorded: true };
      } catch (e) {
        const giveUp = Date.now() - since + wait > outcomeRetryMs;
        console.error(
          JSON.stringify({
            level: "error",
            event: "execution.record_failed",
            executionId: job.executionId,
            tenantId: job.tenantId,
            status: result.status,
            attempt,
            error: causeOf(e),
            ...(giveUp ? { gaveUp: true } : { retryInMs: wait }),
          }),
        );
        if (giveUp) return { next: undefined, recorded: false };
        await new Promise((r) => setTimeout(r, wait));
        wait = Math.min(wait * 2, outcomeRetryMaxWaitMs);
      }
    }
  }
}

export function encodeInput(value: unknown, field = "input", maxBytes = maxInputBytes): string {
  const input = JSON.stringify(value ?? null);
  if (new TextEncoder().encode(input).byteLength > maxBytes) throw invalid(field, `${field} is larger than ${maxBytes} bytes as JSON`);
  return input;
}
