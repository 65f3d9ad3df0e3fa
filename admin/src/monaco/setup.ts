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
import { api } from "../api/endpoints.ts";

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
// The SDK as an ambient module. Its source is bundled, so autocomplete works at once; the
// declarations the server generated from it replace it when they arrive, so the editor always
// describes the SDK the server's scripts actually get.
const sdkPath = "file:///node_modules/@types/iota-sdk/index.d.ts";
const asModule = (declarations: string) => `declare module "${sdkModule}" {\n${declarations.replace(/^export declare /gm, "export ")}\n}\n`;
javascriptDefaults.addExtraLib(asModule(sdkSource), sdkPath);
api.sdkTypes().then(
  (declarations) => javascriptDefaults.addExtraLib(asModule(declarations), sdkPath),
  (e: unknown) => console.warn("using the bundled SDK types:", e),
);

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
