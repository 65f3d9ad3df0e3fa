// Monaco, loaded once: only the parts the admin uses (the editor, JavaScript, TypeScript and
// JSON), its web workers through Vite `?worker` imports, and the script SDK's types for
// autocomplete and, in TypeScript scripts, type checking.
import * as monaco from "monaco-editor/editor";
import "monaco-editor/features/register.all";
import "monaco-editor/languages/definitions/javascript/register";
import "monaco-editor/languages/definitions/typescript/register";
import { javascriptDefaults, ModuleKind, ModuleResolutionKind, ScriptTarget, typescriptDefaults } from "monaco-editor/languages/features/typescript/register";
import { jsonDefaults } from "monaco-editor/languages/features/json/register";
import EditorWorker from "monaco-editor/editor/editor.worker?worker";
import JsonWorker from "monaco-editor/languages/features/json/json.worker?worker";
import TsWorker from "monaco-editor/languages/features/typescript/ts.worker?worker";
import sdkSource from "../../../workers/sdk/index.ts?raw";
import { scriptCheckOptions, sdkAmbientModule, sdkModule } from "../../../protocol/script-types.ts";
import { api } from "../api/endpoints.ts";

self.MonacoEnvironment = {
  getWorker(_id: string, label: string): Worker {
    if (label === "typescript" || label === "javascript") return new TsWorker();
    if (label === "json") return new JsonWorker();
    return new EditorWorker();
  },
};

/** The module name scripts use: `@param {import("iota:sdk").ScriptContext} ctx`, `import type { ScriptContext } from "iota:sdk"`. */
export { sdkModule };

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
// TypeScript scripts are checked as `iota push` checks them (protocol/script-types.ts).
typescriptDefaults.setCompilerOptions({
  target: ScriptTarget.ESNext,
  module: ModuleKind.ESNext,
  moduleResolution: ModuleResolutionKind.NodeJs,
  allowNonTsExtensions: true,
  strict: scriptCheckOptions.strict,
  noImplicitAny: scriptCheckOptions.noImplicitAny,
  isolatedModules: scriptCheckOptions.isolatedModules,
  lib: [...scriptCheckOptions.lib],
});
typescriptDefaults.setDiagnosticsOptions({ noSemanticValidation: false, noSyntaxValidation: false });
typescriptDefaults.setEagerModelSync(true);
// The SDK as an ambient module. Its source is bundled, so autocomplete works at once; the
// declarations the server generated from it replace it when they arrive, so the editor always
// describes the SDK the server's scripts actually get.
const sdkPath = "file:///node_modules/@types/iota-sdk/index.d.ts";
const addSdk = (declarations: string) => {
  for (const defaults of [javascriptDefaults, typescriptDefaults]) defaults.addExtraLib(sdkAmbientModule(declarations), sdkPath);
};
addSdk(sdkSource);
// Asked for when the first script is opened, not when Monaco loads: pages loaded before sign-in
// use Monaco too (for JSON), and the declarations need a signed-in caller.
let asked = false;
const askForSdk = monaco.editor.onDidCreateModel((model) => {
  if (asked || !["javascript", "typescript"].includes(model.getLanguageId())) return;
  asked = true;
  askForSdk.dispose();
  api.sdkTypes().then(addSdk, (e: unknown) => console.warn("using the bundled SDK types:", e));
});

/**
 * TypeScript's type errors become warnings: the server strips types without checking them, so a
 * script wrong only in its types still saves and runs. Errors stay errors for what cannot parse
 * (TypeScript numbers those below 2000).
 */
export const isTypeError = (marker: monaco.editor.IMarker) => marker.owner === "typescript" && Number(marker.code) >= 2000;
monaco.editor.onDidChangeMarkers((uris) => {
  for (const uri of uris) {
    const model = monaco.editor.getModel(uri);
    const markers = monaco.editor.getModelMarkers({ resource: uri, owner: "typescript" });
    if (!model || !markers.some((m) => isTypeError(m) && m.severity === monaco.MarkerSeverity.Error)) continue;
    monaco.editor.setModelMarkers(
      model,
      "typescript",
      markers.map((m) => (isTypeError(m) ? { ...m, severity: monaco.MarkerSeverity.Warning } : m)),
    );
  }
});

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
