// The type stripper, bundled at build time into "virtual:ts-stripper" (host/build.ts): TypeScript's own parser and
// Bloomberg's ts-blank-space, which replaces every type with spaces so the JavaScript left keeps
// the user's lines and columns. It answers plain data, so nothing of TypeScript's API leaks out.
import * as ts from "typescript";
import { blankSourceFile } from "ts-blank-space";

const options = { languageVersion: ts.ScriptTarget.ESNext, impliedNodeFormat: ts.ModuleKind.ESNext, jsDocParsingMode: ts.JSDocParsingMode.ParseNone };

/**
 * What a construct that cannot be blanked is, by what ts-blank-space reports.
 * @param {import("typescript").Node} node
 */
function construct(node) {
  if (ts.isEnumDeclaration(node)) return "enum";
  if (ts.isModuleDeclaration(node)) return "namespace";
  if (ts.isImportEqualsDeclaration(node)) return "import-equals";
  if (ts.isExportAssignment(node)) return "export-equals";
  if (ts.isTypeAssertionExpression(node)) return "angle-assertion";
  if (ts.isAsExpression(node) || ts.isSatisfiesExpression(node)) return "assertion-in-logical";
  // A parameter property is reported by its modifier (`private`, `readonly`...).
  if (ts.isModifier(node)) return "parameter-property";
  return ts.SyntaxKind[node.kind] ?? "unknown";
}

/** @param {string} source @returns {import("virtual:ts-stripper").Stripped} */
export function strip(source) {
  const file = ts.createSourceFile("script.ts", source, options, /* setParentNodes */ true, ts.ScriptKind.TS);
  // Internal to TypeScript but stable for years: what its parser found wrong.
  const parseDiagnostics = file.parseDiagnostics ?? [];
  const syntax = parseDiagnostics.map((d) => ({ start: d.start ?? 0, message: ts.flattenDiagnosticMessageText(d.messageText, "\n") }));
  if (syntax.length > 0) return { code: source, syntax, unsupported: [] };
  const unsupported = [];
  const code = blankSourceFile(file, (node) => unsupported.push({ start: node.getStart(file), construct: construct(node) }));
  return { code, syntax, unsupported };
}
