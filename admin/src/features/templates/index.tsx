// "New script": a blank script or one of the templates, and /scripts/new?template=<id>, which
// opens the editor with that template's code and settings filled in, ready to save and run.
import { A, useSearchParams } from "@solidjs/router";
import { For, lazy, Show } from "solid-js";
import { one } from "../../router/search.ts";
import { Icon } from "../../ui/icons.tsx";
import { Modal } from "../../ui/modal.tsx";
import { KindBadge } from "../../ui/status.tsx";
import { templates, type Template } from "./catalog.ts";
import "./templates.css";

// With the editor: the code of every template comes with it, not with the scripts list.
const TemplateEditor = lazy(() => import("./editor.tsx").then((m) => ({ default: m.TemplateEditor })));

/** /scripts/new and /scripts/new?template=<id>. */
export function NewScriptPage() {
  const [search] = useSearchParams();
  // Another template starts the editor afresh.
  return (
    <Show when={one(search.template) ?? "blank"} keyed>
      {(id) => <TemplateEditor template={id} />}
    </Show>
  );
}
NewScriptPage.preload = () => import("./editor.tsx");

const href = (t?: Template) => (t ? `/scripts/new?template=${t.id}` : "/scripts/new");

/** The choices as cards: a blank script, then one per use case. */
export function TemplateCards(props: { onChoose?: () => void }) {
  return (
    <ul class="template-cards">
      <li>
        <A href={href()} class="template-card" onClick={() => props.onChoose?.()}>
          <span class="template-title">
            <Icon name="code" /> Blank script
          </span>
          <span class="template-text">An empty module with the SDK's types, any kind.</span>
        </A>
      </li>
      <For each={templates}>
        {(t) => (
          <li>
            <A href={href(t)} class="template-card" onClick={() => props.onChoose?.()}>
              <span class="template-title">
                {t.title} <KindBadge kind={t.kind} />
              </span>
              <span class="template-text">{t.useCase}</span>
              <Show when={t.secrets.length > 0}>
                <span class="template-secrets">Needs secrets: {t.secrets.join(", ")}</span>
              </Show>
            </A>
          </li>
        )}
      </For>
    </ul>
  );
}

export function NewScriptDialog(props: { onClose: () => void }) {
  return (
    <Modal title="New script" onClose={props.onClose} wide>
      <p class="modal-text">Start blank, or from a tested example of each use case: its kind and settings come filled in.</p>
      <TemplateCards onChoose={props.onClose} />
    </Modal>
  );
}
