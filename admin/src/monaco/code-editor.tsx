// One Monaco editor on one model: created in onMount, disposed in onCleanup, options following
// props in effects. The parent gets the editor through onReady for commands and markers.
import { createEffect, on, onCleanup, onMount } from "solid-js";
import { monaco } from "./setup.ts";

export type Editor = monaco.editor.IStandaloneCodeEditor;

export interface CodeEditorProps {
  /** The text; the editor follows it when it changes from outside. */
  value: string;
  language: "javascript" | "typescript" | "json";
  /** The model's path, unique per open document: "scripts/scr_1.js". */
  path: string;
  readOnly?: boolean;
  label: string;
  onChange?: (value: string) => void;
  onReady?: (editor: Editor) => void;
  options?: monaco.editor.IStandaloneEditorConstructionOptions;
  class?: string;
}

export function CodeEditor(props: CodeEditorProps) {
  let host!: HTMLDivElement;
  let editor: Editor | undefined;
  let model: monaco.editor.ITextModel | undefined;

  onMount(() => {
    const uri = monaco.Uri.parse(`file:///${props.path}`);
    monaco.editor.getModel(uri)?.dispose();
    model = monaco.editor.createModel(props.value, props.language, uri);
    editor = monaco.editor.create(host, {
      model,
      theme: "iota",
      automaticLayout: true,
      minimap: { enabled: false },
      fontFamily: '"JetBrains Mono", "SF Mono", ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", monospace',
      fontSize: 13,
      lineHeight: 20,
      tabSize: 2,
      scrollBeyondLastLine: false,
      renderLineHighlight: "all",
      fixedOverflowWidgets: true,
      ariaLabel: props.label,
      readOnly: props.readOnly ?? false,
      padding: { top: 8, bottom: 8 },
      overviewRulerBorder: false,
      hideCursorInOverviewRuler: true,
      ...props.options,
    });
    model.onDidChangeContent(() => props.onChange?.(model!.getValue()));
    props.onReady?.(editor);
  });

  createEffect(
    on(
      () => props.readOnly,
      (readOnly) => editor?.updateOptions({ readOnly: readOnly ?? false }),
      { defer: true },
    ),
  );
  createEffect(
    on(
      () => props.value,
      (value) => {
        if (model && model.getValue() !== value) model.setValue(value);
      },
      { defer: true },
    ),
  );

  onCleanup(() => {
    editor?.dispose();
    model?.dispose();
  });

  return <div ref={host} class={`code-editor ${props.class ?? ""}`} />;
}
