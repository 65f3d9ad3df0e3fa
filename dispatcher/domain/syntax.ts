// Finds syntax errors at save time, so a broken script is never stored. acorn parses the
// module as V8 would (ES modules, latest syntax) without running any of it.
import { parse, type Node } from "acorn";
import { AppError } from "../../protocol/errors.ts";

interface AcornSyntaxError extends SyntaxError {
  loc?: { line: number; column: number };
}

export function checkScriptSyntax(code: string, field = "code"): void {
  let program: Node & { body: Node[] };
  try {
    program = parse(code, { ecmaVersion: "latest", sourceType: "module", locations: true }) as Node & { body: Node[] };
  } catch (e) {
    const error = e as AcornSyntaxError;
    const line = error.loc?.line ?? 1;
    // acorn counts columns from 0; editors and stack traces count from 1.
    const column = (error.loc?.column ?? 0) + 1;
    const reason = error.message.replace(/\s*\(\d+:\d+\)$/, "");
    throw new AppError("SYNTAX_ERROR", `syntax error at line ${line}, column ${column}: ${reason}`, { field, details: { line, column } });
  }
  if (!program.body.some(isDefaultExport)) {
    throw new AppError("VALIDATION_FAILED", "the script must have a default export: `export default async function (input, ctx) { ... }`", { field });
  }
}

function isDefaultExport(node: Node): boolean {
  if (node.type === "ExportDefaultDeclaration") return true;
  if (node.type !== "ExportNamedDeclaration") return false;
  const specifiers = (node as Node & { specifiers: { exported: { name?: string; value?: string } }[] }).specifiers;
  return specifiers.some((s) => (s.exported.name ?? s.exported.value) === "default");
}

/** The 1-based line and column of `offset`, counting line breaks as JavaScript does. */
export function positionAt(code: string, offset: number): { line: number; column: number } {
  const before = code.slice(0, offset);
  const breaks = before.match(/\r\n?|[\n\u2028\u2029]/g);
  const lineStart = Math.max(before.lastIndexOf("\n"), before.lastIndexOf("\r"), before.lastIndexOf("\u2028"), before.lastIndexOf("\u2029")) + 1;
  return { line: (breaks?.length ?? 0) + 1, column: offset - lineStart + 1 };
}
