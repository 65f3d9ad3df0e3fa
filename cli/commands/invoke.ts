// `iota invoke <name>`: an embedded call, as a platform service makes it (POST /api/invoke/{name}):
// the input as the body, the script's return value as the answer.
import { inputHelp, inputOptions, readInput, type Command } from "../command.ts";
import { CliError, exitCodes } from "../errors.ts";
import { pretty } from "../executions.ts";
import { session } from "../remote.ts";

/** What an embedded call answers when the script itself failed: its failure, not the server's. */
const scriptFailures = new Set(["SCRIPT_ERROR", "TIMEOUT"]);

export const invoke: Command = {
  name: "invoke",
  summary: "call an embedded script and print its value",
  help: `iota invoke <name> [--data JSON | --input FILE|-]

Calls the tenant's embedded script (by name or id) the way platform services do, and prints
its return value. Exits 1 when the script failed or timed out (the execution is named).

${inputHelp}`,
  options: { ...inputOptions },
  args: { min: 1, max: 1 },
  async run(invocation) {
    const { positionals, out } = invocation;
    const input = await readInput(invocation);
    const { api } = await session(invocation);
    try {
      const answer = await api.request<unknown>("POST", `/api/invoke/${encodeURIComponent(positionals[0]!)}`, { body: input ?? null });
      const executionId = answer.headers.get("x-iota-execution-id");
      out.result(out.json ? { value: answer.body, executionId } : answer.body, () => pretty(answer.body));
      if (executionId) out.note(`execution ${executionId}`);
      return exitCodes.ok;
    } catch (e) {
      if (e instanceof CliError && e.code && scriptFailures.has(e.code)) throw new CliError(exitCodes.failed, e.message, { code: e.code, details: e.details });
      throw e;
    }
  },
};
