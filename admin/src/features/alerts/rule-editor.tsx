// A list of alert rules to edit: for each, the outcomes that raise it and where it goes (email,
// webhook or both). Used for a tenant's defaults and for a script's own rules.
import { For, Index, Show } from "solid-js";
import { Icon } from "../../ui/icons.tsx";
import { alertEvents, blankRule, eventLabel, ruleProblem, type RuleDraft } from "./rules.ts";
import "./alerts.css";

export interface RuleEditorProps {
  rules: RuleDraft[];
  onChange: (rules: RuleDraft[]) => void;
  disabled?: boolean;
  /** Offer "after N slots" (scheduled scripts, and tenant defaults that apply to them). */
  slots?: boolean;
  /** Names the list for screen readers and tests: "Alert rule 1 email"... */
  label?: string;
}

export function RuleEditor(props: RuleEditorProps) {
  const label = () => props.label ?? "Alert rule";
  const update = (i: number, change: Partial<RuleDraft>) => props.onChange(props.rules.map((r, j) => (j === i ? { ...r, ...change } : r)));
  return (
    <div class="rules">
      <Index each={props.rules}>
        {(rule, i) => (
          <fieldset class="rule" disabled={props.disabled} aria-label={`${label()} ${i + 1}`}>
            <div class="rule-head">
              <span class="field-label">When a run is</span>
              <span class="spacer" />
              <button
                type="button"
                class="btn btn-ghost btn-small"
                aria-label={`Remove ${label().toLowerCase()} ${i + 1}`}
                onClick={() => props.onChange(props.rules.filter((_, j) => j !== i))}
              >
                <Icon name="x" />
              </button>
            </div>
            <fieldset class="pills" aria-label={`${label()} ${i + 1} outcomes`}>
              <For each={alertEvents}>
                {(event) => (
                  <label class="pill">
                    <input
                      type="checkbox"
                      checked={rule().on.includes(event)}
                      onChange={(e) => update(i, { on: e.currentTarget.checked ? [...rule().on, event] : rule().on.filter((x) => x !== event) })}
                    />
                    {eventLabel[event]}
                  </label>
                )}
              </For>
            </fieldset>
            <Show when={props.slots}>
              <label class="rule-line">
                <span>or after</span>
                <input
                  class="input rule-slots"
                  type="number"
                  min="1"
                  max="1000"
                  placeholder="—"
                  aria-label={`${label()} ${i + 1} slots in a row`}
                  value={rule().afterSlots}
                  onInput={(e) => update(i, { afterSlots: e.currentTarget.value })}
                />
                <span>scheduled slots in a row did not succeed</span>
              </label>
            </Show>
            <div class="rule-channels">
              <input
                class="input"
                type="email"
                placeholder="ops@example.com"
                aria-label={`${label()} ${i + 1} email`}
                value={rule().email}
                onInput={(e) => update(i, { email: e.currentTarget.value })}
              />
              <input
                class="input"
                type="url"
                placeholder="https://hooks.slack.com/services/…"
                aria-label={`${label()} ${i + 1} webhook`}
                value={rule().webhook}
                onInput={(e) => update(i, { webhook: e.currentTarget.value })}
              />
            </div>
            <Show when={ruleProblem(rule())}>
              <p class="field-error" role="alert">
                {ruleProblem(rule())}
              </p>
            </Show>
          </fieldset>
        )}
      </Index>
      <Show when={!props.disabled && props.rules.length < 20}>
        <button type="button" class="link-button add-rule" onClick={() => props.onChange([...props.rules, blankRule()])}>
          + Add a rule
        </button>
      </Show>
    </div>
  );
}

/** True when every rule is one the API takes. */
export const rulesValid = (rules: RuleDraft[]) => rules.every((r) => !ruleProblem(r));
