// `iota run <script>`: a manual run. Sync (the default) waits and prints the output, exiting 1
// when the run did not succeed; --async prints the execution's id at once (for iota logs).
import type { ExecutionDetail, RunAccepted } from "../../protocol/api.ts";
import { flag, inputHelp, inputOptions, readInput, wholeNumber, type Command } from "../command.ts";
import { exitCodes } from "../errors.ts";
import { logLine, outcome, pretty, succeeded } from "../executions.ts";
import { findScript, session } from "../remote.ts";

export const run: Command = {
  name: "run",
  summary: "run a script and print its output",
  help: `iota run <script> [--async] [--data JSON | --input FILE|-] [--version N]

Runs the script (by name or id) as a manual run. Waits for it and prints its output on
stdout, its logs and how it ended on stderr; exits 1 when it did not succeed. With --async,
prints the execution id and returns at once: iota logs <id> --follow.

${inputHelp}
  --async          start it and return its execution id
  --version N      run an earlier version`,
  options: { ...inputOptions, async: { type: "boolean" }, version: { type: "string" } },
  args: { min: 1, max: 1 },
  async run(invocation) {
    const { positionals, values, out } = invocation;
    const input = await readInput(invocation);
    const version = wholeNumber(values, "version");
    const { api } = await session(invocation);
    const script = await findScript(api, positionals[0]!);
    const body = { ...(input !== undefined ? { input } : {}), mode: flag(values, "async") ? "async" : "sync", ...(version !== undefined ? { version } : {}) };
    const path = `/admin/api/scripts/${script.id}/runs`;
    if (flag(values, "async")) {
      const accepted = await api.post<RunAccepted>(path, body);
      out.result(accepted, () => accepted.id);
      out.note(`${script.name}: ${accepted.status} as ${accepted.id}; follow it with iota logs ${accepted.id} --follow`);
      return exitCodes.ok;
    }
    const execution = await api.post<ExecutionDetail>(path, body);
    for (const line of execution.logs) out.note(logLine(line));
    out.result(execution, () => (succeeded(execution.status) ? pretty(execution.output) : undefined));
    out.note(outcome(execution));
    return succeeded(execution.status) ? exitCodes.ok : exitCodes.failed;
  },
};
