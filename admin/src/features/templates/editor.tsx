// The editor for a new script, started from a template: its code and settings become the new
// script's starting point before the editor opens, and a short note says what to do next.
import { createResource, Show } from "solid-js";
import { ScriptPage } from "../editor/index.tsx";
import { startNewScriptWith } from "../editor/draft.ts";
import { blankScript, startNewScriptFrom } from "../editor/template.ts";
import { api } from "../../api/endpoints.ts";
import { ready } from "../../ui/resource.ts";
import { templateById } from "./catalog.ts";
import { templateCode } from "./code.ts";

export function TemplateEditor(props: { template: string }) {
  const template = templateById(props.template);
  startNewScriptWith(template?.id ?? "blank", template?.settings ?? {});
  startNewScriptFrom(template ? templateCode[template.id]! : blankScript);
  return (
    <div class="template-editor">
      <Show when={template}>{(t) => <TemplateNote secrets={t().secrets} tryIt={t().tryIt} title={t().title} />}</Show>
      <ScriptPage />
    </div>
  );
}

/** Which of its secrets are still to set, and the first thing to try. */
function TemplateNote(props: { title: string; secrets: string[]; tryIt: string }) {
  const [stored] = createResource(() => (props.secrets.length ? api.secrets().then((r) => new Set(r.items.map((s) => s.name))) : new Set<string>()));
  const missing = () => props.secrets.filter((s) => ready(stored) && !ready(stored)!.has(s));
  return (
    <div class="template-note" role="note">
      <strong>{props.title}</strong>: review the settings and press Create. {props.tryIt}
      <Show when={missing().length > 0}>
        {" "}
        <span class="template-missing">Not set yet: {missing().join(", ")} (Secrets page).</span>
      </Show>
    </div>
  );
}
