// Embedded calls: a platform service runs a tenant's `embedded` script with an input and uses
// its return value (a pricing rule, a validation), synchronously. A caller that cannot wait
// (a checkout) gives a latency budget and a fallback value: past the budget it gets the fallback
// at once, and the execution goes on and is recorded as any other.
import { AppError } from "../../protocol/errors.ts";
import { authorOf, requirePermission, type Principal } from "./principal.ts";
import { encodeInput, type Background, type RunService, type StartedRun } from "./runs.ts";
import type { ScriptDirectory } from "./script-directory.ts";
import type { ScriptService } from "./scripts.ts";

/** How long the caller waits, and what it gets past that (already JSON-encoded). */
export interface Budget {
  ms: number;
  fallback: string;
}

export type Invoked = { answer: "result"; started: Extract<StartedRun, { mode: "sync" }> } | { answer: "fallback"; id: string; fallback: string };

export class EmbeddedService {
  readonly #directory: ScriptDirectory;
  readonly #scripts: ScriptService;
  readonly #runs: RunService;

  constructor(directory: ScriptDirectory, scripts: ScriptService, runs: RunService) {
    this.#directory = directory;
    this.#scripts = scripts;
    this.#runs = runs;
  }

  /** Runs the tenant's embedded script named (or with the id) `ref` with `input`. */
  async invoke(principal: Principal, ref: string, input: unknown, background: Background, budget?: Budget): Promise<Invoked> {
    requirePermission(principal, "scripts.execute");
    const started = Date.now();
    const live = await this.#directory.live(principal.tenant.id, "embedded");
    const script = live.find((s) => s.id === ref) ?? live.find((s) => s.name === ref);
    if (!script) throw new AppError("NOT_FOUND", `no embedded script named ${ref}`);
    if (!script.enabled) throw new AppError("CONFLICT", `the embedded script ${script.name} is disabled`);
    const version = await this.#scripts.immutableVersion(principal.tenant.id, script.id, script.currentVersion);
    let admitted!: (id: string) => void;
    const recorded = new Promise<string>((resolve) => (admitted = resolve));
    const run = this.#runs
      .launch(
        {
          tenant: principal.tenant,
          script,
          version,
          input: encodeInput(input),
          trigger: "embedded",
          mode: "sync",
          createdBy: authorOf(principal),
          withRecord: false,
          onAdmitted: admitted,
        },
        background,
      )
      .then((s) => (s.mode === "sync" ? s : Promise.reject(new AppError("INTERNAL", "an embedded call must be sync"))));
    if (!budget) return { answer: "result", started: await run };

    // The budget counts from the request, lookups included: it is what the caller waits.
    const late = await raceBudget(run, budget.ms - (Date.now() - started));
    if (!late) return { answer: "result", started: await run };
    // The run goes on after the answer; its record is written as usual when it ends.
    background(run.catch((e: Error) => console.error(JSON.stringify({ level: "error", event: "embedded.after-fallback", error: e.message }))));
    // Refused before it ran (a quota), the caller hears the refusal as without a budget.
    const id = await Promise.race([recorded, run.then((s) => s.id)]);
    return { answer: "fallback", id, fallback: budget.fallback };
  }
}

/** Whether `run` is still going after `ms` (its own failure counts as done: the caller hears it). */
async function raceBudget(run: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const past = new Promise<true>((resolve) => (timer = setTimeout(() => resolve(true), Math.max(0, ms))));
  try {
    return await Promise.race([
      run.then(
        () => false,
        () => false,
      ),
      past,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
