// Monaco, loaded once: only the parts the admin uses (the editor, JavaScript and JSON), its
// web workers through Vite `?worker` imports, and the script SDK's types for autocomplete.
import * as monaco from "monaco-editor/editor";
import "monaco-editor/features/register.all";
import "monaco-editor/languages/definitions/javascript/register";
import { javascriptDefaults, ModuleKind, ScriptTarget } from "monaco-editor/languages/features/typescript/register";
import { jsonDefaults } from "monaco-editor/languages/features/json/register";
import EditorWorker from "monaco-editor/editor/editor.worker?worker";
import JsonWorker from "monaco-editor/languages/features/json/json.worker?worker";
import TsWorker from "monaco-editor/languages/features/typescript/ts.worker?worker";
import sdkSource from "../../../workers/sdk/index.ts?raw";

self.MonacoEnvironment = {
  getWorker(_id: string, label: string): Worker {
    if (label === "typescript" || label === "javascript") return new TsWorker();
    if (label === "json") return new JsonWorker();
    return new EditorWorker();
  },
};

/** The module name scripts use in JSDoc: `@param {import("iota:sdk").ScriptContext} ctx`. */
export const sdkModule = "iota:sdk";

javascriptDefaults.setCompilerOptions({
  target: ScriptTarget.ESNext,
  module: ModuleKind.ESNext,
  allowJs: true,
  allowNonTsExtensions: true,
  // Scripts run in a worker-like isolate: no DOM.
  lib: ["esnext", "webworker"],
});
// Syntax errors as you type; no type checking of plain JavaScript (it would flag valid scripts).
javascriptDefaults.setDiagnosticsOptions({ noSemanticValidation: true, noSyntaxValidation: false });
javascriptDefaults.setEagerModelSync(true);
javascriptDefaults.addExtraLib(`declare module "${sdkModule}" {\n${sdkSource}\n}\n`, "file:///node_modules/@types/iota-sdk/index.d.ts");

jsonDefaults.setDiagnosticsOptions({ validate: true, allowComments: false, trailingCommas: "error" });

monaco.editor.defineTheme("iota", {
  base: "vs",
  inherit: true,
  rules: [],
  colors: {
    "editor.background": "#ffffff",
    "editorLineNumber.foreground": "#9ca3af",
    "editorLineNumber.activeForeground": "#374151",
    "editor.lineHighlightBackground": "#f8fafc",
  },
});

export { monaco };
