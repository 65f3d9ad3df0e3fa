// Which file a script's code is kept in. Every script is JavaScript today; TypeScript scripts are
// coming (issue 16), and this is the one place that learns how the server tells them apart.
export const codeExtensions = ["js", "ts"] as const;
export type CodeExtension = (typeof codeExtensions)[number];

/** `.ts` for a script the server marks as TypeScript (a field not in the API yet), `.js` otherwise. */
export function extensionOf(script: object): CodeExtension {
  return (script as { language?: unknown }).language === "typescript" ? "ts" : "js";
}

/**
 * What a push sends for a code file: the source as it is. A `.ts` file will also say it is
 * TypeScript (and `iota push` type-check it first) once the server takes TypeScript.
 */
export function codeFields(_extension: CodeExtension, code: string): Record<string, unknown> {
  return { code };
}
