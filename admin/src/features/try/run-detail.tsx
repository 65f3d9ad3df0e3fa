// One input of a trial, opened: what differs, the two outcomes side by side, the draft's error
// and logs, and what the draft would have done (captured, not performed).
import { A } from "@solidjs/router";
import { For, Show } from "solid-js";
import { duration, json } from "../../ui/format.ts";
import { StatusBadge } from "../../ui/status.tsx";
import { LogLines } from "../run/output.tsx";
import type { TrialRun } from "./api.ts";

const shown = (value: unknown) => (value === undefined ? "(none)" : JSON.stringify(value));

function Outcome(props: { title: string; outcome: TrialRun["live"] }) {
  return (
    <div class="try-outcome">
      <div class="try-outcome-head">
        <strong>{props.title}</strong>
        <StatusBadge status={props.outcome.status} />
        <span class="muted">{duration(props.outcome.durationMs)}</span>
      </div>
      <Show when={props.outcome.error}>
        {(e) => (
          <p class="try-error mono">
            {e().code ? `${e().code}: ` : ""}
            {e().message}
          </p>
        )}
      </Show>
      <Show
        when={props.outcome.outputOmitted === undefined}
        fallback={<p class="muted">Output of {props.outcome.outputOmitted} bytes, too large to show here.</p>}
      >
        <pre class="try-json mono">{json(props.outcome.output)}</pre>
      </Show>
    </div>
  );
}

function effectText(effect: TrialRun["effects"][number]): string {
  if (effect.call !== "fetch") return `${effect.call}(${(Array.isArray(effect.args) ? effect.args : [effect.args]).map(shown).join(", ")})`;
  const request = effect.args as { method?: string; url?: string; body?: string | null };
  return `fetch ${request.method ?? "GET"} ${request.url ?? ""}${request.body ? ` ${request.body}` : ""}`;
}

export function RunDetail(props: { run: TrialRun }) {
  const run = () => props.run;
  return (
    <div class="try-detail">
      <Show when={run().diff.length > 0}>
        <section>
          <h3 class="try-heading">{run().verdict === "different" ? "What differs" : "How each ended"}</h3>
          <table class="table try-diff">
            <thead>
              <tr>
                <th>Where</th>
                <th>Live</th>
                <th>Draft</th>
              </tr>
            </thead>
            <tbody>
              <For each={run().diff}>
                {(d) => (
                  <tr>
                    <td class="mono">{d.path}</td>
                    <td class="mono try-live">{"live" in d ? shown(d.live) : "(absent)"}</td>
                    <td class="mono try-draft">{"draft" in d ? shown(d.draft) : "(absent)"}</td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </section>
      </Show>
      <div class="try-outcomes">
        <Outcome title="Live" outcome={run().live} />
        <Outcome title="Draft" outcome={run().draft} />
      </div>
      <section>
        <h3 class="try-heading">Captured, not performed</h3>
        <Show when={run().effects.length > 0} fallback={<p class="muted">The draft wrote nothing and sent nothing.</p>}>
          <ul class="try-effects mono">
            <For each={run().effects}>{(effect) => <li>{effectText(effect)}</li>}</For>
            <Show when={run().effectsDropped > 0}>
              <li class="muted">… and {run().effectsDropped} more</li>
            </Show>
          </ul>
        </Show>
      </section>
      <section>
        <h3 class="try-heading">Draft's logs</h3>
        <LogLines logs={run().draft.logs} />
        <Show when={run().draft.logsOmitted}>{(n) => <p class="muted">{n()} more lines not kept.</p>}</Show>
      </section>
      <A href={`/history/${run().executionId}`} class="try-live-link">
        Open the live execution {run().executionId}
      </A>
    </div>
  );
}
