// Local files against the server, script by script: what differs (code, which settings), and
// whether the server moved since this directory last synced it. Push and diff both start here.
import type { ScriptDetail, ScriptSummary } from "../protocol/api.ts";
import type { Api } from "./api.ts";
import { failed } from "./errors.ts";
import { extensionOf, extensionOfPath } from "./languages.ts";
import { committedVersions } from "./git.ts";
import type { Output } from "./output.ts";
import { shown, type LocalScript, type Lock, type Project } from "./project.ts";
import { listScripts, readScript } from "./remote.ts";
import { changedSettings, parseSettings, settingsOf, type Settings } from "./settings.ts";

export interface Comparison {
  name: string;
  local: LocalScript;
  settings: Settings;
  /** The server's script of that name; undefined for a script only here. */
  remote: ScriptDetail | undefined;
  codeChanged: boolean;
  /** Setting keys the file changes (`timeoutMs`, `config.cron`). */
  settingsChanged: string[];
}

export async function compare(
  api: Api,
  project: Project,
  local: Map<string, LocalScript>,
  names: string[],
  out: Output,
  what: string,
): Promise<{ compared: Comparison[]; remoteOnly: ScriptSummary[] }> {
  for (const name of names)
    if (!local.has(name)) throw failed(`no script named ${name} in scripts/ (scripts/${name}.json and its code)`, { code: "NOT_FOUND" });
  const chosen = [...local.values()].filter((s) => names.length === 0 || names.includes(s.name));
  const remote = await listScripts(api);
  const byName = new Map(remote.map((s) => [s.name, s]));
  const progress = out.progress(chosen.length, what);
  const compared: Comparison[] = [];
  for (const script of chosen) {
    const settings = parseSettings(script.settingsText, shown(project, script.settingsPath));
    const summary = byName.get(script.name);
    const detail = summary ? await readScript(api, summary.id) : undefined;
    compared.push({
      name: script.name,
      local: script,
      settings,
      remote: detail,
      // A file renamed from .js to .ts (or back) changes the script's language: a new version too.
      codeChanged: detail ? detail.code !== script.code || extensionOf(detail) !== extensionOfPath(script.codePath) : true,
      settingsChanged: detail ? changedSettings(settings, settingsOf(detail)) : Object.keys(settings),
    });
    progress.tick(script.name);
  }
  progress.done();
  const remoteOnly = names.length ? [] : remote.filter((s) => !local.has(s.name));
  return { compared, remoteOnly };
}

export const differs = (c: Comparison) => c.codeChanged || c.settingsChanged.length > 0;

/**
 * Why pushing this script would overwrite a change made on the server, or undefined. The server
 * moved when its version or update time is not the one the lock recorded; that is still no
 * conflict when what it holds is a version of these files committed here (pushed from another
 * checkout of this repository, such as CI, whose lock was not committed back).
 */
export async function conflictOf(c: Comparison, lock: Lock, project: Project): Promise<string | undefined> {
  const entry = lock[c.name];
  const remote = c.remote;
  if (!remote) return entry ? `deleted on the server since your last pull (it was version ${entry.version})` : undefined;
  if (entry && entry.id === remote.id && entry.version === remote.version && entry.updatedAt === remote.updatedAt) return undefined;
  if (await committedHere(c, remote, project)) return undefined;
  if (!entry || entry.id !== remote.id) return `the server has a script of this name (version ${remote.version}) that you have not pulled`;
  const moved = entry.version === remote.version ? "its settings changed" : `it is at version ${remote.version}`;
  return `changed on the server since your last pull: you pulled version ${entry.version}, ${moved} (updated ${remote.updatedAt})`;
}

async function committedHere(c: Comparison, remote: ScriptDetail, project: Project): Promise<boolean> {
  const codes = await committedVersions(project.root, c.local.codePath);
  if (!codes.includes(remote.code)) return false;
  const remoteSettings = settingsOf(remote);
  for (const text of await committedVersions(project.root, c.local.settingsPath)) {
    try {
      if (changedSettings(parseSettings(text, c.local.settingsPath), remoteSettings).length === 0) return true;
    } catch {
      // A committed version that is not valid JSON matches nothing.
    }
  }
  return false;
}
