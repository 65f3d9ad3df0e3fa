// Manual and scheduled scripts: a JSON input, async (watch it stream) or sync. A scheduled
// script can be given what the scheduler passes, to try a slot by hand.
import { createSignal, Show } from "solid-js";
import { api } from "../../api/endpoints.ts";
import { useUi } from "../../ui/feedback.tsx";
import { modKey } from "../../ui/format.ts";
import { Icon } from "../../ui/icons.tsx";
import { JsonInput, parseInput } from "./json-input.tsx";
import { sampleInputFor } from "../templates/catalog.ts";
import type { KindFormProps } from "./kind-form.ts";

const inputKey = (scriptId: string) => `iota.runInput.${scriptId}`;

export function ManualRun(props: KindFormProps) {
  const ui = useUi();
  const [input, setText] = createSignal(sessionStorage.getItem(inputKey(props.script.id)) ?? sampleInputFor(props.script.tags) ?? "{\n  \n}\n");
  // Kept as typed: a save of the script starts the form afresh from here.
  const setInput = (text: string) => {
    setText(text);
    sessionStorage.setItem(inputKey(props.script.id), text);
  };
  const [mode, setMode] = createSignal<"async" | "sync">("async");
  const parsed = () => parseInput(input());

  const go = () => {
    if (props.busy || !props.canRun || parsed().error) return;
    props.start(() => api.run(props.script.id, { input: parsed().value, mode: mode() }));
  };
  props.register(go);

  // What the scheduler would pass for its next slot: `{scheduledFor}` in the script's zone.
  const scheduledInput = async () => {
    try {
      const next = (await api.schedule(props.script.id)).next[0];
      setInput(`${JSON.stringify({ scheduledFor: next?.at ?? new Date().toISOString() }, null, 2)}\n`);
    } catch (e) {
      ui.toast(`Could not read the schedule: ${(e as Error).message}`, "error");
    }
  };

  return (
    <>
      <JsonInput label="Input (JSON)" value={input()} path={`inputs/${props.script.id}.json`} onChange={setInput} />
      <Show when={props.script.kind === "scheduled"}>
        <p class="field-hint">
          The scheduler passes <code>{"{ scheduledFor }"}</code>, the slot in the script's zone.{" "}
          <button type="button" class="link-button" onClick={() => void scheduledInput()}>
            Use the next slot
          </button>
        </p>
      </Show>
      <div class="run-controls">
        <fieldset class="segmented" aria-label="Mode">
          <button type="button" aria-pressed={mode() === "async"} onClick={() => setMode("async")} title="Start it and watch the logs stream">
            Async
          </button>
          <button type="button" aria-pressed={mode() === "sync"} onClick={() => setMode("sync")} title="Wait for the result in one request">
            Sync
          </button>
        </fieldset>
        <span class="spacer" />
        <button type="button" class="btn btn-primary" onClick={go} disabled={props.busy || !props.canRun || !!parsed().error} title={`Run (${modKey}Enter)`}>
          <Icon name="play" /> {props.busy ? "Running…" : `Run v${props.script.version}`}
        </button>
      </div>
    </>
  );
}
