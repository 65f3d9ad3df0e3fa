// `iota pull [NAME...]`: the tenant's scripts as files, code verbatim and settings in a stable
// format, and the lock updated to the versions pulled. A file edited since the last pull or push
// is never overwritten silently: the pull refuses (nothing written) unless --force.
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { ScriptDetail } from "../../protocol/api.ts";
import { flag, type Command } from "../command.ts";
import { exitCodes, failed } from "../errors.ts";
import { extensionOf } from "../languages.ts";
import { readLocalScripts, readLock, scriptsDir, sha256, shown, writeAtomically, writeLock, type LocalScript, type LockEntry } from "../project.ts";
import { listScripts, readScript, session } from "../remote.ts";
import { formatSettings, settingsOf } from "../settings.ts";

type Status = "new" | "updated" | "unchanged" | "removed";

interface Planned {
  name: string;
  status: Status;
  script?: ScriptDetail;
  codePath?: string;
  code?: string;
  settingsText?: string;
  /** The local files this pull replaces or removes. */
  local?: LocalScript;
}

export const pull: Command = {
  name: "pull",
  summary: "fetch the tenant's scripts into scripts/",
  help: `iota pull [NAME...] [--force]

Writes each script (or only those named) as scripts/<name>.js (.ts for a TypeScript script)
and its settings as scripts/<name>.json, and records the versions pulled in iota.lock.json (commit it). Scripts
deleted on the server are removed here. Local edits not pushed yet are kept: the pull refuses
to overwrite them.

  --force          overwrite local edits with the server's version`,
  options: { force: { type: "boolean" } },
  args: { min: 0, max: Infinity },
  async run(invocation) {
    const { positionals, values, out } = invocation;
    const { api, project } = await session(invocation, true);
    const remote = await listScripts(api);
    const only = new Set(positionals);
    for (const name of only) if (!remote.some((s) => s.name === name)) throw failed(`no script named ${name} on the server`, { code: "NOT_FOUND" });
    const chosen = remote.filter((s) => only.size === 0 || only.has(s.name)).sort((a, b) => a.name.localeCompare(b.name));

    const progress = out.progress(chosen.length, "pulling");
    const scripts: ScriptDetail[] = [];
    for (const summary of chosen) {
      scripts.push(await readScript(api, summary.id));
      progress.tick(summary.name);
    }
    progress.done();

    const lock = await readLock(project);
    const local = await readLocalScripts(project);
    const plan: Planned[] = scripts.map((script) => {
      const codePath = join(project.root, scriptsDir, `${script.name}.${extensionOf(script)}`);
      const settingsText = formatSettings(settingsOf(script));
      const mine = local.get(script.name);
      const same = mine && mine.codePath === codePath && mine.code === script.code && mine.settingsText === settingsText;
      return { name: script.name, status: !mine ? "new" : same ? "unchanged" : "updated", script, codePath, code: script.code, settingsText, local: mine };
    });
    // Scripts this directory had from the server that the server no longer has.
    if (only.size === 0) {
      for (const name of Object.keys(lock)) if (!remote.some((s) => s.name === name)) plan.push({ name, status: "removed", local: local.get(name) });
    }

    const edited = plan.filter((p) => p.status !== "unchanged" && p.local && editedSinceSync(p.local, lock[p.name]));
    if (edited.length && !flag(values, "force")) {
      const files = edited.map((p) => shown(project, p.local!.codePath)).join(", ");
      throw failed(`local changes not pushed would be overwritten (${files}): push them first, or pull --force to discard them`, { code: "LOCAL_CHANGES" });
    }

    for (const p of plan) {
      if (p.status === "removed") {
        if (p.local) await Promise.all([rm(p.local.codePath, { force: true }), rm(p.local.settingsPath, { force: true })]);
        delete lock[p.name];
        continue;
      }
      const script = p.script!;
      if (p.status === "updated") {
        await writeAtomically(p.codePath!, p.code!);
        await writeAtomically(join(project.root, scriptsDir, `${p.name}.json`), p.settingsText!);
        // A script whose language changed leaves its old code file behind otherwise.
        if (p.local && p.local.codePath !== p.codePath) await rm(p.local.codePath, { force: true });
      } else if (p.status === "new") {
        await writeAtomically(p.codePath!, p.code!);
        await writeAtomically(join(project.root, scriptsDir, `${p.name}.json`), p.settingsText!);
      }
      lock[p.name] = {
        id: script.id,
        version: script.version,
        updatedAt: script.updatedAt,
        codeSha256: sha256(p.code!),
        settingsSha256: sha256(p.settingsText!),
      };
    }
    await writeLock(project, lock);

    const counts = (status: Status) => plan.filter((p) => p.status === status).length;
    const rows = plan.map((p) => ({
      name: p.name,
      status: p.status,
      ...(p.script ? { id: p.script.id, version: p.script.version, file: shown(project, p.codePath!) } : {}),
    }));
    out.result({ url: api.url, tenant: project.tenant, scripts: rows }, () => {
      const lines = plan
        .filter((p) => p.status !== "unchanged")
        .map((p) => `  ${p.status.padEnd(9)} ${p.name}${p.script ? ` (version ${p.script.version})` : ""}`);
      const summary = `Pulled ${scripts.length} script${scripts.length === 1 ? "" : "s"} from ${api.url}${project.tenant ? ` (tenant ${project.tenant})` : ""}: ${counts("new")} new, ${counts("updated")} updated, ${counts("unchanged")} unchanged${counts("removed") ? `, ${counts("removed")} removed` : ""}.`;
      return [summary, ...lines].join("\n");
    });
    return exitCodes.ok;
  },
};

/** Files that differ from what the last pull or push wrote (any file at all, when there was none). */
function editedSinceSync(local: LocalScript, entry: LockEntry | undefined): boolean {
  if (!entry) return true;
  return sha256(local.code) !== entry.codeSha256 || sha256(local.settingsText) !== entry.settingsSha256;
}
