// `iota try <script> --draft FILE`: the draft run on the script's recent real inputs in shadow
// mode (reads real, writes and requests captured), compared run by run with what went live.
// Exits 1 when the draft fails where the live version succeeded, so CI can stop a push.
import { readFile } from "node:fs/promises";
import type { Trial, TrialRun } from "../../protocol/schemas/try.ts";
import { text, wholeNumber, type Command } from "../command.ts";
import { exitCodes, usage } from "../errors.ts";
import { extensionOfPath } from "../languages.ts";
import { findScript, session } from "../remote.ts";

export const tryDraft: Command = {
  name: "try",
  summary: "try a draft on the script's recent real runs (nothing leaves)",
  help: `iota try <script> --draft FILE [--last N]

Runs FILE (a .js or .ts module) on the inputs of the script's last N finished executions,
in shadow mode: reads are real, but SDK writes, kv writes, events and fetch() are captured
and listed, never performed. Prints, per input, how the draft compares with the live run:
same, different (with what differs), failed (the draft failed where the live run succeeded)
or fixed, and what the draft would have done. Exits 1 if any run failed.

  --draft FILE     the draft's code
  --last N         how many recent runs (1-100, default 50)`,
  options: { draft: { type: "string" }, last: { type: "string" } },
  args: { min: 1, max: 1 },
  async run(invocation) {
    const { positionals, values, out } = invocation;
    const file = text(values, "draft");
    if (file === undefined) throw usage(`--draft FILE is required\n\n${tryDraft.help}`);
    const last = wholeNumber(values, "last");
    const code = await readFile(file, "utf8").catch((e: NodeJS.ErrnoException) => {
      throw usage(`cannot read --draft ${file}: ${e.code === "ENOENT" ? "no such file" : e.message}`);
    });
    const { api } = await session(invocation);
    const script = await findScript(api, positionals[0]!);
    out.note(`${script.name}: trying ${file} on up to ${last ?? 50} recent runs (shadow mode: nothing leaves)...`);
    const trial = await api.post<Trial>(`/admin/api/scripts/${script.id}/try`, {
      code,
      language: extensionOfPath(file),
      ...(last !== undefined ? { last } : {}),
    });
    out.result(trial, () => report(trial));
    out.note(summary(trial));
    return trial.summary.failed > 0 ? exitCodes.failed : exitCodes.ok;
  },
};

const show = (value: unknown) => (value === undefined ? "(none)" : (JSON.stringify(value) ?? "undefined"));
const clip = (line: string, max = 110) => (line.length > max ? `${line.slice(0, max - 1)}…` : line);

function effectLine(effect: TrialRun["effects"][number]): string {
  if (effect.call === "fetch") {
    const request = effect.args as { method?: string; url?: string };
    return `fetch ${request.method ?? "GET"} ${request.url ?? ""}`;
  }
  return `${effect.call}(${(Array.isArray(effect.args) ? effect.args : [effect.args]).map(show).join(", ")})`;
}

/** What to say under a run's row: what differs, why the draft failed, what it would have done. */
function details(run: TrialRun): string[] {
  const lines: string[] = [];
  if (run.verdict === "different") for (const d of run.diff.slice(0, 5)) lines.push(`${d.path}: ${show(d.live)} -> ${show(d.draft)}`);
  if (run.verdict === "different" && run.diff.length > 5) lines.push(`... ${run.diff.length - 5} more differences`);
  if (run.draft.error && run.verdict !== "same") lines.push(`draft ${run.draft.error.code ?? "error"}: ${run.draft.error.message.split("\n")[0]}`);
  for (const effect of run.effects) lines.push(`captured ${effectLine(effect)}`);
  if (run.effectsDropped > 0) lines.push(`captured ${run.effectsDropped} more`);
  return lines.map((line) => `    ${clip(line)}`);
}

function report(trial: Trial): string {
  if (trial.runs.length === 0) return "The script has no finished runs to try the draft on.";
  const rows = trial.runs.map((r) => [
    r.executionId,
    r.trigger,
    r.live.status,
    r.draft.status,
    r.verdict.toUpperCase(),
    String(r.effects.length + r.effectsDropped),
  ]);
  const header = ["EXECUTION", "TRIGGER", "LIVE", "DRAFT", "VERDICT", "EFFECTS"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const format = (r: string[]) =>
    r
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [format(header), ...trial.runs.flatMap((run, i) => [format(rows[i]!), ...details(run)])].join("\n");
}

function summary(trial: Trial): string {
  const s = trial.summary;
  return `${s.total} runs: ${s.same} same, ${s.different} different, ${s.failed} failed, ${s.fixed} fixed; ${s.effects} side effects captured, none performed (trial ${trial.id})`;
}
