// "Try on recent runs": the editor's current draft run on the inputs of the script's latest
// finished executions, in shadow mode (reads are real; writes, events and requests are captured
// and never happen). A table of how each run compares with the live one; a row opens to show
// what differs, both outcomes, the draft's logs and what it would have done.
import { createSignal, For, Show } from "solid-js";
import type { ScriptLanguage } from "../../../../protocol/lists.ts";
import { ApiError } from "../../api/client.ts";
import { Modal } from "../../ui/modal.tsx";
import { Loading } from "../../ui/states.tsx";
import { StatusBadge } from "../../ui/status.tsx";
import { tryDraft, type Trial } from "./api.ts";
import { RunDetail } from "./run-detail.tsx";
import { Summary, VerdictBadge } from "./verdict.tsx";
import "./try.css";

export interface TryPanelProps {
  scriptId: string;
  scriptName: string;
  /** The draft as it is in the editor now, saved or not. */
  code: string;
  language: ScriptLanguage;
  onClose: () => void;
}

export function TryPanel(props: TryPanelProps) {
  const [last, setLast] = createSignal(50);
  const [trial, setTrial] = createSignal<Trial>();
  const [error, setError] = createSignal<string>();
  const [busy, setBusy] = createSignal(false);
  const [open, setOpen] = createSignal<string>();

  const start = async () => {
    setBusy(true);
    setError(undefined);
    setTrial(undefined);
    try {
      const answer = await tryDraft(props.scriptId, { code: props.code, language: props.language, last: last() });
      setTrial(answer);
      // The first run worth a look is opened for the reader.
      setOpen(answer.runs.find((r) => r.verdict !== "same")?.executionId);
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      const wait = e.retryAfter ? ` Try again in ${e.retryAfter} s.` : "";
      setError(`${e.message}${wait}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal title={`Try on recent runs: ${props.scriptName}`} onClose={props.onClose} wide>
      <div class="try-panel">
        <p class="muted try-intro">
          Runs your current draft (saved or not) on the inputs of this script's latest finished runs. Reads are real; SDK writes, kv writes, events and fetch()
          are captured and listed, never performed. The runs share the tenant's concurrency limit and count toward its daily history budget.
        </p>
        <form
          class="try-form"
          onSubmit={(e) => {
            e.preventDefault();
            void start();
          }}
        >
          <label>
            Latest
            <input
              class="input try-last"
              type="number"
              min="1"
              max="100"
              value={last()}
              onInput={(e) => setLast(Math.min(100, Math.max(1, Number(e.currentTarget.value) || 1)))}
            />
            runs
          </label>
          <button type="submit" class="btn btn-primary" disabled={busy()}>
            {busy() ? "Trying…" : trial() ? "Try again" : "Try the draft"}
          </button>
          <button type="button" class="btn btn-ghost" onClick={props.onClose}>
            Close
          </button>
        </form>
        <Show when={error()}>
          {(message) => (
            <div class="failure" role="alert">
              {message()}
            </div>
          )}
        </Show>
        <Show when={busy()}>
          <Loading label={`Running the draft on up to ${last()} recent runs…`} />
        </Show>
        <Show when={trial()}>
          {(t) => (
            <Show
              when={t().runs.length > 0}
              fallback={<p class="muted">This script has no finished runs yet: run it first, then try a draft on its inputs.</p>}
            >
              <Summary summary={t().summary} />
              <div class="table-wrap try-table">
                <table class="table">
                  <thead>
                    <tr>
                      <th>Live execution</th>
                      <th>Trigger</th>
                      <th>Live</th>
                      <th>Draft</th>
                      <th>Verdict</th>
                      <th class="num">Effects</th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={t().runs}>
                      {(run) => (
                        <>
                          <tr
                            class="row-link"
                            aria-expanded={open() === run.executionId}
                            onClick={() => setOpen(open() === run.executionId ? undefined : run.executionId)}
                          >
                            <td class="mono">{run.executionId}</td>
                            <td>{run.trigger}</td>
                            <td>
                              <StatusBadge status={run.live.status} />
                            </td>
                            <td>
                              <StatusBadge status={run.draft.status} />
                            </td>
                            <td>
                              <VerdictBadge verdict={run.verdict} />
                            </td>
                            <td class="num">{run.effects.length + run.effectsDropped}</td>
                          </tr>
                          <Show when={open() === run.executionId}>
                            <tr class="try-open">
                              <td colSpan={6}>
                                <RunDetail run={run} />
                              </td>
                            </tr>
                          </Show>
                        </>
                      )}
                    </For>
                  </tbody>
                </table>
              </div>
              <p class="muted try-kept">Kept as trial {t().id} for the tenant's retention.</p>
            </Show>
          )}
        </Show>
      </div>
    </Modal>
  );
}
