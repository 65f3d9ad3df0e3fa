// The last saved state of each script the admin has loaded or saved, as a signal per script.
// A script's page shows it in several places (the editor, how to call it, the Run panel); a
// save of its settings alone makes no new version, so the places that depend on the saved
// config (an endpoint's path, a schedule) follow this instead of their own copy.
import { createSignal, type Accessor, type Setter } from "solid-js";
import type { ScriptDetail } from "../../../protocol/api.ts";

const saved = new Map<string, [Accessor<ScriptDetail | undefined>, Setter<ScriptDetail | undefined>]>();

function slot(id: string) {
  let s = saved.get(id);
  if (!s) {
    s = createSignal<ScriptDetail | undefined>(undefined, { equals: false });
    saved.set(id, s);
  }
  return s;
}

/** Records an answer of the API about a script; returns it, for `.then(rememberScript)`. */
export function rememberScript(script: ScriptDetail): ScriptDetail {
  slot(script.id)[1](script);
  return script;
}

/** The script as last saved (undefined until the admin has loaded it once). */
export function savedScript(id: string): ScriptDetail | undefined {
  return slot(id)[0]();
}
