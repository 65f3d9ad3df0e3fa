// Which file a script's code is kept in, and what a push says about it: `.ts` for a TypeScript
// script (`language: "ts"` on the server), `.js` otherwise. The one place that maps the two.
import type { ScriptLanguage } from "../protocol/lists.ts";

export const codeExtensions = ["js", "ts"] as const;
export type CodeExtension = (typeof codeExtensions)[number];

/** The file extension of a script the server describes. */
export function extensionOf(script: { language?: ScriptLanguage }): CodeExtension {
  return script.language === "ts" ? "ts" : "js";
}

/** The extension of a local code file. */
export function extensionOfPath(path: string): CodeExtension {
  return path.endsWith(".ts") ? "ts" : "js";
}

/** What a push sends for a code file: the source as it is, in the language its extension says. */
export function codeFields(extension: CodeExtension, code: string): { code: string; language: ScriptLanguage } {
  return { code, language: extension };
}
