// The Run panel beside the editor, per kind: a manual or scheduled script runs with a JSON
// input, an HTTP script is sent a request at its real URL, an event script a test event, an
// embedded one is called as a service calls it. Below, the run as it happens. "How to call it"
// shows what its callers send, ready to copy.
import { createMemo, createSignal, Match, Show, Switch } from "solid-js";
import { savedScript } from "../../api/script-store.ts";
import { Loading } from "../../ui/states.tsx";
import { CallIt, ofKind } from "../call/index.tsx";
import { CancelButton } from "../history/cancel.tsx";
import { EmbeddedRun } from "./embedded-run.tsx";
import { EventRun } from "./event-run.tsx";
import { createRun } from "./follow.ts";
import { HttpRun } from "./http-run.tsx";
import { ManualRun } from "./manual-run.tsx";
import { RunView } from "./output.tsx";

export { parseInput } from "./json-input.tsx";

export interface RunPanelApi {
  run(): void;
}

export function RunPanel(props: { scriptId: string; version: number; note?: string; canRun: boolean; ref?: (api: RunPanelApi) => void }) {
  const [view, setView] = createSignal<"try" | "call">("try");
  const run = createRun();
  const busy = () => run.state.phase === "starting" || run.state.phase === "running";
  const script = () => savedScript(props.scriptId);
  // The form starts afresh when what it is built from changes (a new path, other methods, a new
  // version), not on every save of a description or a tag.
  const formKey = createMemo(() => {
    const s = script();
    return s && JSON.stringify([s.kind, s.config, s.version, s.name]);
  });
  let go = () => {};
  props.ref?.({
    run: () => {
      setView("try");
      go();
    },
  });
  const form = {
    get canRun() {
      return props.canRun;
    },
    get busy() {
      return busy();
    },
    start: (call: Parameters<typeof run.start>[0]) => void run.start(call),
    register: (fn: () => void) => (go = fn),
  };

  return (
    <div class="run-panel">
      <fieldset class="segmented" aria-label="Run panel">
        <button type="button" aria-pressed={view() === "try"} onClick={() => setView("try")}>
          Try it
        </button>
        <button type="button" aria-pressed={view() === "call"} onClick={() => setView("call")}>
          How to call it
        </button>
      </fieldset>
      <Show when={script()} fallback={<Loading />}>
        {(s) => (
          <>
            <div class="run-try" hidden={view() !== "try"}>
              {/* A fresh form when the saved settings change (a new path, other methods). */}
              <Show when={formKey()} keyed>
                {(_key) => (
                  <Switch fallback={<ManualRun script={s()} {...form} />}>
                    <Match when={ofKind(s(), "http")}>{(h) => <HttpRun script={h()} {...form} />}</Match>
                    <Match when={ofKind(s(), "event")}>{(e) => <EventRun script={e()} {...form} />}</Match>
                    <Match when={ofKind(s(), "embedded")}>{(e) => <EmbeddedRun script={e()} {...form} />}</Match>
                  </Switch>
                )}
              </Show>
              <Show when={props.note}>
                <p class="run-note">{props.note}</p>
              </Show>
              <Show when={busy() && props.canRun && run.state.executionId}>
                {(id) => (
                  <div class="run-controls">
                    <span class="muted run-how mono">{id()}</span>
                    <span class="spacer" />
                    <CancelButton id={id()} status={run.state.phase === "running" ? "running" : "queued"} script={s().name} small />
                  </div>
                )}
              </Show>
              <RunView state={run.state} />
            </div>
            <div hidden={view() !== "call"}>
              <CallIt script={s()} />
            </div>
          </>
        )}
      </Show>
    </div>
  );
}
