// `iota logs <execution> [--follow]`: an execution's log lines; with --follow, as they happen
// (the server-sent stream), until it ends. Exits 1 when it ended without succeeding.
import type { ExecutionDetail } from "../../protocol/api.ts";
import type { Api } from "../api.ts";
import { flag, type Command } from "../command.ts";
import { CliError, exitCodes } from "../errors.ts";
import { finished, logLine, outcome, succeeded } from "../executions.ts";
import type { Output } from "../output.ts";
import { session } from "../remote.ts";
import { serverSentEvents } from "../../protocol/sse.ts";

export const logs: Command = {
  name: "logs",
  summary: "print an execution's logs, or follow them live",
  help: `iota logs <execution> [--follow]

Prints the execution's log lines on stdout and how it ended on stderr. With --follow, prints
lines and progress as they happen and returns when it ends. Exits 1 when it failed, timed out
or was interrupted. With --json and --follow, one JSON object per event ({event, data}).

  -f, --follow     stream until the execution ends`,
  options: { follow: { type: "boolean", short: "f" } },
  args: { min: 1, max: 1 },
  async run(invocation) {
    const { positionals, values, out } = invocation;
    const { api } = await session(invocation);
    const path = `/admin/api/executions/${encodeURIComponent(positionals[0]!)}`;
    const execution = flag(values, "follow") ? await follow(api, path, out) : await api.get<ExecutionDetail>(path);
    if (!flag(values, "follow")) out.result(execution, () => execution.logs.map(logLine).join("\n"));
    out.note(
      finished(execution.status)
        ? outcome(execution)
        : `${execution.status} (execution ${execution.id}); iota logs ${execution.id} --follow waits for the rest`,
    );
    return finished(execution.status) && !succeeded(execution.status) ? exitCodes.failed : exitCodes.ok;
  },
};

async function follow(api: Api, path: string, out: Output): Promise<ExecutionDetail> {
  const response = await api.open(`${path}/stream`, "text/event-stream");
  for await (const { event, data } of serverSentEvents(response.body!)) {
    const parsed = JSON.parse(data);
    if (out.json) out.line(JSON.stringify({ event, data: parsed }));
    else if (event === "log") out.line(logLine(parsed));
    else if (event === "progress") out.note(`progress ${parsed.percent}%${parsed.message ? ` ${parsed.message}` : ""}`);
    if (event === "end") return parsed as ExecutionDetail;
  }
  // The server closes a stream after 16 minutes; the run may go on.
  const now = await api.get<ExecutionDetail>(path);
  if (finished(now.status)) return now;
  throw new CliError(exitCodes.unavailable, `the stream closed while ${now.id} is still ${now.status}; run iota logs ${now.id} --follow again`);
}
