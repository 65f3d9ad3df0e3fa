// Server validation errors as Monaco markers, so a syntax error found at save time shows where
// Monaco shows its own: a squiggle at the line and column, and in the problems gutter.
import { monaco } from "../../monaco/setup.ts";
import type { ApiError } from "../../api/client.ts";

const owner = "server";

export function showServerError(editor: monaco.editor.IStandaloneCodeEditor, error: ApiError): void {
  const model = editor.getModel();
  if (!model) return;
  const line = Math.min(Math.max(Number(error.details?.line) || 1, 1), model.getLineCount());
  const column = Math.max(Number(error.details?.column) || 1, 1);
  const word = model.getWordAtPosition({ lineNumber: line, column });
  const endColumn = word && word.startColumn <= column ? word.endColumn : Math.min(column + 1, model.getLineMaxColumn(line));
  monaco.editor.setModelMarkers(model, owner, [
    {
      severity: monaco.MarkerSeverity.Error,
      message: error.message,
      startLineNumber: line,
      startColumn: column,
      endLineNumber: line,
      endColumn: Math.max(endColumn, column + 1),
      source: "save",
    },
  ]);
  editor.revealLineInCenterIfOutsideViewport(line);
  editor.setPosition({ lineNumber: line, column });
}

export function clearServerErrors(editor: monaco.editor.IStandaloneCodeEditor | undefined): void {
  const model = editor?.getModel();
  if (model) monaco.editor.setModelMarkers(model, owner, []);
}
