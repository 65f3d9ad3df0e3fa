// `iota push [NAME...]`: local scripts to the server, a new version for each changed script,
// carrying the commit's message. Every script is checked before anything is written: one
// conflicting change on the server stops the whole push (exit 1) unless --force.
import type { ScriptDetail } from "../../protocol/api.ts";
import type { Api } from "../api.ts";
import { flag, text, type Command } from "../command.ts";
import { compare, conflictOf, differs, type Comparison } from "../compare.ts";
import { CliError, exitCodes } from "../errors.ts";
import { lastCommitSubject } from "../git.ts";
import { codeFields, extensionOfPath } from "../languages.ts";
import { readLocalScripts, readLock, sha256, shown, writeLock, type Lock, type Project } from "../project.ts";
import { session } from "../remote.ts";
import { createFields, requestFields } from "../settings.ts";
import { checkBeforePush } from "../typecheck.ts";

type Action = "create" | "update" | "unchanged" | "conflict";

interface Step {
  comparison: Comparison;
  action: Action;
  conflict?: string;
  /** What the push changes: `code` and setting keys. */
  changes: string[];
  result?: ScriptDetail;
}

export const push: Command = {
  name: "push",
  summary: "send changed scripts to the server, a version each",
  help: `iota push [NAME...] [-m MESSAGE] [--dry-run] [--force]

Creates the scripts in scripts/ the server does not have and updates those that differ: a
changed module makes a new version carrying the message. Refuses (exit 1, nothing written)
when a script changed on the server since your last pull, or when a TypeScript script (.ts)
it would send has a type error against the server's SDK types (listed as file:line:col).

  -m, --message MSG  the versions' message (default: the last git commit's subject)
  --dry-run          show what would change, change nothing
  --force            overwrite changes made on the server
  --no-typecheck     send .ts scripts without checking their types`,
  options: { message: { type: "string", short: "m" }, "dry-run": { type: "boolean" }, force: { type: "boolean" }, "no-typecheck": { type: "boolean" } },
  args: { min: 0, max: Infinity },
  async run(invocation) {
    const { positionals, values, out } = invocation;
    const { api, project } = await session(invocation, true);
    const lock = await readLock(project);
    const { compared } = await compare(api, project, await readLocalScripts(project), positionals, out, "checking");
    const force = flag(values, "force");
    const dryRun = flag(values, "dry-run");
    const message = text(values, "message") ?? (await lastCommitSubject(project.root));

    const steps: Step[] = [];
    for (const c of compared) {
      const changes = [...(c.codeChanged ? ["code"] : []), ...c.settingsChanged];
      if (!differs(c)) {
        steps.push({ comparison: c, action: "unchanged", changes });
        continue;
      }
      const conflict = await conflictOf(c, lock, project);
      const action: Action = conflict && !force ? "conflict" : c.remote ? "update" : "create";
      steps.push({ comparison: c, action, changes, ...(conflict ? { conflict } : {}) });
    }
    const conflicts = steps.filter((s) => s.action === "conflict");
    const report = () => ({
      url: api.url,
      tenant: project.tenant,
      dryRun,
      message: message ?? null,
      scripts: steps.map((s) => ({
        name: s.comparison.name,
        action: s.action,
        changes: s.changes,
        ...(s.conflict ? { conflict: s.conflict } : {}),
        ...(s.result
          ? { id: s.result.id, version: s.result.version }
          : s.comparison.remote
            ? { id: s.comparison.remote.id, version: s.comparison.remote.version }
            : {}),
      })),
    });

    if (conflicts.length) {
      out.result(report(), () =>
        [
          `Nothing pushed: ${conflicts.length} script${conflicts.length === 1 ? "" : "s"} changed on the server since your last pull.`,
          ...conflicts.map((s) => `  ${s.comparison.name}: ${s.conflict}`),
          "Pull and merge them (iota pull, then git), or push --force to overwrite the server's changes.",
        ].join("\n"),
      );
      return exitCodes.failed;
    }

    // Nothing is sent while a TypeScript script it would send has a type error.
    const sending = steps.filter((s) => (s.action === "create" || s.action === "update") && s.comparison.codeChanged);
    const typescript = new Map(
      sending.filter((s) => extensionOfPath(s.comparison.local.codePath) === "ts").map((s) => [s.comparison.local.codePath, s.comparison.local.code]),
    );
    if (!flag(values, "no-typecheck")) await checkBeforePush(api, project, typescript, out);

    if (!dryRun) {
      const work = steps.filter((s) => s.action === "create" || s.action === "update");
      const progress = out.progress(work.length, "pushing");
      try {
        for (const step of work) {
          step.result = await send(api, step, message, project);
          progress.tick(step.comparison.name);
        }
      } finally {
        progress.done();
        // What was pushed is recorded even when a later script is refused.
        await writeLock(project, locked(lock, steps));
      }
    }

    out.result(report(), () => describe(steps, dryRun, api.url, project, message));
    return exitCodes.ok;
  },
};

async function send(api: Api, step: Step, message: string | undefined, project: Project): Promise<ScriptDetail> {
  const { comparison: c } = step;
  const extension = extensionOfPath(c.local.codePath);
  const withMessage = message ? { message } : {};
  try {
    if (!c.remote)
      return await api.post<ScriptDetail>("/admin/api/scripts", {
        name: c.name,
        ...createFields(c.settings),
        ...codeFields(extension, c.local.code),
        ...withMessage,
      });
    const body = { ...requestFields(c.settings, c.settingsChanged), ...(c.codeChanged ? { ...codeFields(extension, c.local.code), ...withMessage } : {}) };
    return await api.patch<ScriptDetail>(`/admin/api/scripts/${c.remote.id}`, body);
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    // Point at the file the server's complaint is about: the code (with its line) or the settings.
    const line = e.details?.line;
    const where =
      e.field === "code"
        ? `${shown(project, c.local.codePath)}${typeof line === "number" ? `:${line}:${e.details?.column}` : ""}`
        : shown(project, c.local.settingsPath);
    throw e.about(`${c.name} (${where})`);
  }
}

/** The lock after the push: pushed and unchanged scripts recorded as the server now has them. */
function locked(lock: Lock, steps: Step[]): Lock {
  const next = { ...lock };
  for (const s of steps) {
    const server = s.result ?? (s.action === "unchanged" ? s.comparison.remote : undefined);
    if (!server) continue;
    next[s.comparison.name] = {
      id: server.id,
      version: server.version,
      updatedAt: server.updatedAt,
      codeSha256: sha256(s.comparison.local.code),
      settingsSha256: sha256(s.comparison.local.settingsText),
    };
  }
  return next;
}

function describe(steps: Step[], dryRun: boolean, url: string, project: Project, message: string | undefined): string {
  const changed = steps.filter((s) => s.action === "create" || s.action === "update");
  const unchanged = steps.length - changed.length;
  if (changed.length === 0) return `Nothing to push: ${unchanged} script${unchanged === 1 ? "" : "s"} as on ${url}.`;
  const verb = (s: Step) => (dryRun ? `would ${s.action}` : s.action === "create" ? "created" : "updated");
  const pad = Math.max(...changed.map((s) => verb(s).length));
  const lines = changed.map((s) => {
    const before = s.comparison.remote?.version;
    const after = s.result?.version;
    const versions =
      after === undefined
        ? ""
        : before === undefined
          ? ` version ${after}`
          : after !== before
            ? ` version ${before} -> ${after}`
            : ` version ${after}, settings only`;
    return `  ${verb(s).padEnd(pad)} ${s.comparison.name}${versions} (${s.changes.join(", ")})${s.conflict ? ` overwriting: ${s.conflict}` : ""}`;
  });
  const head = dryRun
    ? `Dry run against ${url}${project.tenant ? ` (tenant ${project.tenant})` : ""}; nothing was changed:`
    : `Pushed to ${url}${project.tenant ? ` (tenant ${project.tenant})` : ""}${message ? ` with message "${message}"` : ""}:`;
  return [head, ...lines, ...(unchanged ? [`  ${unchanged} unchanged`] : [])].join("\n");
}
