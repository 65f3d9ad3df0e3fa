// The Run panel beside the editor: a JSON input, sync or async, and the run as it happens.
import { createSignal, Show } from "solid-js";
import { api } from "../../api/endpoints.ts";
import { CodeEditor } from "../../monaco/code-editor.tsx";
import { createRun } from "./follow.ts";
import { RunView } from "./output.tsx";
import { modKey } from "../../ui/format.ts";
import { Icon } from "../../ui/icons.tsx";

const inputKey = (scriptId: string) => `iota.runInput.${scriptId}`;

export function parseInput(text: string): { value?: unknown; error?: string } {
  if (!text.trim()) return { value: null };
  try {
    return { value: JSON.parse(text) };
  } catch (e) {
    return { error: `The input is not valid JSON: ${(e as Error).message}` };
  }
}

export interface RunPanelApi {
  run(): void;
}

export function RunPanel(props: { scriptId: string; version: number; note?: string; canRun: boolean; ref?: (api: RunPanelApi) => void }) {
  const [input, setInput] = createSignal(sessionStorage.getItem(inputKey(props.scriptId)) ?? "{\n  \n}\n");
  const [mode, setMode] = createSignal<"async" | "sync">("async");
  const run = createRun();
  const parsed = () => parseInput(input());
  const busy = () => run.state.phase === "starting" || run.state.phase === "running";

  const go = () => {
    if (busy() || !props.canRun || parsed().error) return;
    sessionStorage.setItem(inputKey(props.scriptId), input());
    void run.start(() => api.run(props.scriptId, { input: parsed().value, mode: mode() }));
  };
  props.ref?.({ run: go });

  return (
    <div class="run-panel">
      <div class="field">
        <span class="field-label">Input (JSON)</span>
        <div class="json-input">
          <CodeEditor
            value={input()}
            language="json"
            path={`inputs/${props.scriptId}.json`}
            label="Run input, JSON"
            onChange={setInput}
            options={{ lineNumbers: "off", folding: false, glyphMargin: false, lineDecorationsWidth: 8, scrollbar: { verticalScrollbarSize: 8 } }}
          />
        </div>
        <Show when={parsed().error}>
          <span class="field-error">{parsed().error}</span>
        </Show>
      </div>
      <div class="run-controls">
        <div class="segmented" role="group" aria-label="Mode">
          <button type="button" aria-pressed={mode() === "async"} onClick={() => setMode("async")} title="Start it and watch the logs stream">
            Async
          </button>
          <button type="button" aria-pressed={mode() === "sync"} onClick={() => setMode("sync")} title="Wait for the result in one request">
            Sync
          </button>
        </div>
        <span class="spacer" />
        <button type="button" class="btn btn-primary" onClick={go} disabled={busy() || !props.canRun || !!parsed().error} title={`Run (${modKey}Enter)`}>
          <Icon name="play" /> {busy() ? "Running…" : `Run v${props.version}`}
        </button>
      </div>
      <Show when={props.note}>
        <p class="run-note">{props.note}</p>
      </Show>
      <RunView state={run.state} />
    </div>
  );
}
