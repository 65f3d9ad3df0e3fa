// The server's scripts as the commands need them: listed, found by name, read whole.
import type { ScriptDetail, ScriptSummary } from "../protocol/api.ts";
import { Api } from "./api.ts";
import type { Invocation } from "./command.ts";
import { connect } from "./config.ts";
import { failed } from "./errors.ts";
import { findProject, requireProject, type Project } from "./project.ts";

/** The API for a command, with the project when there is one (it names the server and tenant). */
export async function session(invocation: Invocation, needsProject: true): Promise<{ api: Api; project: Project }>;
export async function session(invocation: Invocation, needsProject?: false): Promise<{ api: Api; project: Project | undefined }>;
export async function session(invocation: Invocation, needsProject = false) {
  const project = needsProject ? await requireProject(invocation.cwd) : await findProject(invocation.cwd);
  return { api: new Api(await connect(invocation.env, project)), project };
}

export async function listScripts(api: Api): Promise<ScriptSummary[]> {
  return (await api.get<{ items: ScriptSummary[] }>("/admin/api/scripts")).items;
}

export const readScript = (api: Api, id: string) => api.get<ScriptDetail>(`/admin/api/scripts/${encodeURIComponent(id)}`);

/** A script by its name, or by its id (`scr_...`). */
export async function findScript(api: Api, ref: string): Promise<ScriptSummary> {
  const scripts = await listScripts(api);
  const script = scripts.find((s) => s.name === ref) ?? scripts.find((s) => s.id === ref);
  if (!script) throw failed(`no script named ${ref} in this tenant`, { code: "NOT_FOUND" });
  return script;
}
