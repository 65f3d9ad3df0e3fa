// A small JSON editor for a run's input or an event's payload, with its parse error below.
import { Show } from "solid-js";
import { CodeEditor } from "../../monaco/code-editor.tsx";

export function parseInput(text: string): { value?: unknown; error?: string } {
  if (!text.trim()) return { value: null };
  try {
    return { value: JSON.parse(text) };
  } catch (e) {
    return { error: `The input is not valid JSON: ${(e as Error).message}` };
  }
}

export function JsonInput(props: { label: string; value: string; path: string; onChange: (text: string) => void; height?: number }) {
  return (
    <div class="field">
      <span class="field-label">{props.label}</span>
      <div class="json-input" style={props.height ? { height: `${props.height}px` } : undefined}>
        <CodeEditor
          value={props.value}
          language="json"
          path={props.path}
          label={props.label}
          onChange={props.onChange}
          options={{ lineNumbers: "off", folding: false, glyphMargin: false, lineDecorationsWidth: 8, scrollbar: { verticalScrollbarSize: 8 } }}
        />
      </div>
      <Show when={parseInput(props.value).error}>
        <span class="field-error">{parseInput(props.value).error}</span>
      </Show>
    </div>
  );
}
