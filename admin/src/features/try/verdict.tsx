// A trial's verdicts as badges, and its summary as a line of counts.
import { For, Show } from "solid-js";
import type { Trial, TrialRun } from "./api.ts";

const label: Record<TrialRun["verdict"], string> = { same: "Same", different: "Different", failed: "Failed", fixed: "Fixed" };
const hint: Record<TrialRun["verdict"], string> = {
  same: "The draft did what the live run did",
  different: "Both ended the same way, with different outcomes",
  failed: "The draft failed where the live run succeeded",
  fixed: "The draft succeeded where the live run failed",
};

export function VerdictBadge(props: { verdict: TrialRun["verdict"] }) {
  return (
    <span class={`badge verdict verdict-${props.verdict}`} title={hint[props.verdict]}>
      <span class="dot" aria-hidden="true" />
      {label[props.verdict]}
    </span>
  );
}

export function Summary(props: { summary: Trial["summary"] }) {
  const verdicts = ["same", "different", "failed", "fixed"] as const;
  return (
    <p class="try-summary" role="status">
      <span>{props.summary.total} runs:</span>
      <For each={verdicts}>
        {(v) => (
          <span class={`try-count verdict-${v}`} classList={{ "try-count-zero": props.summary[v] === 0 }}>
            {props.summary[v]} {v}
          </span>
        )}
      </For>
      <Show when={props.summary.effects > 0}>
        <span class="muted">· {props.summary.effects} side effects captured, none performed</span>
      </Show>
    </p>
  );
}
