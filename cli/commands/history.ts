// `iota history`: recent executions, newest first, filtered by script, status or trigger.
import type { ExecutionSummary, Page } from "../../protocol/api.ts";
import { text, wholeNumber, type Command } from "../command.ts";
import { CliError, exitCodes, usage } from "../errors.ts";
import { findScript, session } from "../remote.ts";

export const history: Command = {
  name: "history",
  summary: "list recent executions",
  help: `iota history [--script NAME] [--status STATUS] [--trigger TRIGGER] [--since TIME] [--limit N] [--cursor C]

Lists executions, newest first. STATUS: queued, running, succeeded, failed, timed_out,
cancelled, interrupted, skipped, missed. TRIGGER: manual, embedded, http, event, scheduled.

  --script NAME    one script's (by name or id)
  --since TIME     ISO 8601
  --limit N        how many (1-200, default 50)
  --cursor C       the next page (printed after a full page)`,
  options: {
    script: { type: "string" },
    status: { type: "string" },
    trigger: { type: "string" },
    since: { type: "string" },
    limit: { type: "string" },
    cursor: { type: "string" },
  },
  args: { min: 0, max: 0 },
  async run(invocation) {
    const { values, out } = invocation;
    const limit = wholeNumber(values, "limit");
    const { api } = await session(invocation);
    const scriptRef = text(values, "script");
    const scriptId = scriptRef === undefined ? undefined : (await findScript(api, scriptRef)).id;
    const query = {
      scriptId,
      status: text(values, "status"),
      trigger: text(values, "trigger"),
      since: text(values, "since"),
      limit,
      cursor: text(values, "cursor"),
    };
    let page: Page<ExecutionSummary>;
    try {
      page = await api.get<Page<ExecutionSummary>>("/admin/api/executions", query);
    } catch (e) {
      // The filters are this command's options: a refused one is a usage error, named as the option.
      if (e instanceof CliError && e.code === "VALIDATION_FAILED" && e.field) throw usage(`--${e.field === "scriptId" ? "script" : e.field}: ${e.message}`);
      throw e;
    }
    out.result(page, () => table(page));
    return exitCodes.ok;
  },
};

function table(page: Page<ExecutionSummary>): string {
  if (page.items.length === 0) return "No executions.";
  const rows = page.items.map((e) => [
    e.id,
    e.scriptName ?? e.scriptId,
    `v${e.version}`,
    e.trigger,
    e.status,
    e.createdAt.replace("T", " ").slice(0, 19),
    e.durationMs === null ? "" : `${e.durationMs} ms`,
  ]);
  const header = ["EXECUTION", "SCRIPT", "VERSION", "TRIGGER", "STATUS", "CREATED (UTC)", "DURATION"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const format = (r: string[]) =>
    r
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [format(header), ...rows.map(format), ...(page.nextCursor ? [`More: --cursor ${page.nextCursor}`] : [])].join("\n");
}
