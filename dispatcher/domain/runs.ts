// Starting a script: record the execution, hand it to a runner, record the outcome.
import type { ExecutionDetail } from "../../protocol/api.ts";
import { invalid } from "../../protocol/errors.ts";
import type { RunJob, RunResult } from "../../protocol/run.ts";
import type { Trigger } from "../../db/schema.ts";
import type { Runner } from "../platform/runner.ts";
import type { ExecutionService } from "./executions.ts";
import { authorOf, type Principal } from "./principal.ts";
import type { ScriptService } from "./scripts.ts";
import { onlyKnown, optionalEnum, optionalInteger, type Body } from "./validate.ts";

export const maxInputBytes = 1024 * 1024;

export type StartedRun = { mode: "sync"; execution: ExecutionDetail } | { mode: "async"; id: string };

export class RunService {
  readonly #scripts: ScriptService;
  readonly #executions: ExecutionService;
  readonly #runner: Runner;

  constructor(scripts: ScriptService, executions: ExecutionService, runner: Runner) {
    this.#scripts = scripts;
    this.#executions = executions;
    this.#runner = runner;
  }

  get runner(): Runner {
    return this.#runner;
  }

  /** Runs a past execution's script again, with its input or an edited one. */
  async rerun(principal: Principal, executionId: string, body: Body, background: (work: Promise<unknown>) => void): Promise<StartedRun> {
    onlyKnown(body, ["input", "mode", "version"]);
    const past = await this.#executions.get(principal, executionId);
    const input = "input" in body ? body.input : past.input;
    return this.start(principal, past.scriptId, { ...body, input }, "manual", background, past.id);
  }

  async start(principal: Principal, scriptId: string, body: Body, trigger: Trigger, background: (work: Promise<unknown>) => void, rerunOf?: string): Promise<StartedRun> {
    onlyKnown(body, ["input", "mode", "version"]);
    const mode = optionalEnum(body, "mode", ["sync", "async"]) ?? "sync";
    const script = await this.#scripts.find(principal, scriptId);
    const number = optionalInteger(body, "version", 1, script.currentVersion) ?? script.currentVersion;
    const version = await this.#scripts.version(principal, scriptId, number);
    const input = JSON.stringify(body.input ?? null);
    if (new TextEncoder().encode(input).byteLength > maxInputBytes) throw invalid("input", `input is larger than ${maxInputBytes} bytes as JSON`);

    const id = await this.#executions.create({
      tenantId: principal.tenant.id,
      scriptId,
      version: number,
      trigger,
      input,
      createdBy: authorOf(principal),
      status: mode === "sync" ? "running" : "queued",
      rerunOf,
    });
    const job: RunJob = {
      executionId: id,
      tenantId: principal.tenant.id,
      tenantSlug: principal.tenant.slug,
      scriptId,
      scriptName: script.name,
      version: number,
      codeHash: version.sha256,
      code: version.code,
      input,
      trigger,
      attempt: 1,
      timeoutMs: script.timeoutMs,
      memoryMb: script.memoryMb,
    };
    if (mode === "async") {
      background(this.#executions.markRunning(id).then(() => this.#execute(job)));
      return { mode, id };
    }
    await this.#execute(job);
    return { mode, execution: await this.#executions.get(principal, id) };
  }

  async #execute(job: RunJob): Promise<void> {
    let result: RunResult;
    try {
      result = await this.#runner.run(job);
    } catch (e) {
      const now = new Date().toISOString();
      result = { status: "interrupted", error: { code: "RUNNER_UNAVAILABLE", message: (e as Error).message }, logs: [], startedAt: now, finishedAt: now, durationMs: 0 };
    }
    await this.#executions.finish(job.executionId, result);
  }
}
