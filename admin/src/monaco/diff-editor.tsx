// Monaco's side-by-side diff of two texts, read-only.
import { createEffect, onCleanup, onMount } from "solid-js";
import { monaco } from "./setup.ts";

export function DiffEditor(props: { original: string; modified: string; language: "javascript" | "json"; label: string; class?: string }) {
  let host!: HTMLDivElement;
  let editor: monaco.editor.IStandaloneDiffEditor | undefined;
  const original = monaco.editor.createModel("", props.language);
  const modified = monaco.editor.createModel("", props.language);

  onMount(() => {
    editor = monaco.editor.createDiffEditor(host, {
      theme: "iota",
      automaticLayout: true,
      readOnly: true,
      originalEditable: false,
      renderSideBySide: true,
      minimap: { enabled: false },
      fontSize: 13,
      lineHeight: 20,
      scrollBeyondLastLine: false,
      ariaLabel: props.label,
      renderOverviewRuler: true,
      overviewRulerBorder: false,
      hideCursorInOverviewRuler: true,
      fontFamily: '"JetBrains Mono", "SF Mono", ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", monospace',
    });
    editor.setModel({ original, modified });
  });

  createEffect(() => {
    if (original.getValue() !== props.original) original.setValue(props.original);
    if (modified.getValue() !== props.modified) modified.setValue(props.modified);
  });

  onCleanup(() => {
    editor?.dispose();
    original.dispose();
    modified.dispose();
  });

  return <div ref={host} class={`code-editor ${props.class ?? ""}`} />;
}
