// A script's alerts: its tenant's rules (the default), or rules of its own.
import type { SetStoreFunction } from "solid-js/store";
import { Show } from "solid-js";
import { blankRule } from "../alerts/rules.ts";
import { RuleEditor } from "../alerts/rule-editor.tsx";
import type { Draft } from "./draft.ts";

export function AlertSettings(props: { draft: Draft; setDraft: SetStoreFunction<Draft>; error?: string; readOnly: boolean }) {
  const own = () => props.draft.ownAlerts;
  const choose = (value: boolean) => {
    props.setDraft("ownAlerts", value);
    if (value && props.draft.alerts.length === 0) props.setDraft("alerts", [blankRule()]);
  };
  return (
    <section class="settings-section" aria-label="Alerts">
      <h3 class="settings-title">Alerts</h3>
      <fieldset class="segmented" aria-label="Alert rules">
        <button type="button" aria-pressed={!own()} onClick={() => choose(false)}>
          The tenant's rules
        </button>
        <button type="button" aria-pressed={own()} onClick={() => choose(true)}>
          Its own rules
        </button>
      </fieldset>
      <Show when={own()} fallback={<p class="field-hint">Failures alert as the tenant's defaults say (Alerts page).</p>}>
        <RuleEditor
          rules={props.draft.alerts}
          onChange={(rules) => props.setDraft("alerts", rules)}
          disabled={props.readOnly}
          slots={props.draft.kind === "scheduled"}
        />
        <Show when={props.error}>
          <p class="field-error">{props.error}</p>
        </Show>
      </Show>
    </section>
  );
}
