// Embedded calls: a platform service runs a tenant's `embedded` script with an input and uses
// its return value (a pricing rule, a validation), synchronously.
import { AppError } from "../../protocol/errors.ts";
import { authorOf, requirePermission, type Principal } from "./principal.ts";
import { encodeInput, type Background, type RunService, type StartedRun } from "./runs.ts";
import type { ScriptDirectory } from "./script-directory.ts";
import type { ScriptService } from "./scripts.ts";

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
  async invoke(principal: Principal, ref: string, input: unknown, background: Background): Promise<StartedRun> {
    requirePermission(principal, "scripts.execute");
    const live = await this.#directory.live(principal.tenant.id, "embedded");
    const script = live.find((s) => s.id === ref) ?? live.find((s) => s.name === ref);
    if (!script) throw new AppError("NOT_FOUND", `no embedded script named ${ref}`);
    if (!script.enabled) throw new AppError("CONFLICT", `the embedded script ${script.name} is disabled`);
    const version = await this.#scripts.immutableVersion(principal.tenant.id, script.id, script.currentVersion);
    return this.#runs.launch(
      { tenant: principal.tenant, script, version, input: encodeInput(input), trigger: "embedded", mode: "sync", createdBy: authorOf(principal), withRecord: false },
      background,
    );
  }
}
