// TypeScript scripts: their types are stripped once, at save, and the JavaScript left is stored
// beside the source. Types are replaced by spaces (ts-blank-space, see vendor/), so the code that
// runs has the user's own lines and columns: a syntax error here, a runtime error and its stack
// all point at what the user wrote. Type errors are the editors' business (the admin, `iota
// push`): a script that is wrong only in its types still saves and runs.
import type { ScriptLanguage } from "../../../protocol/schemas/scripts.ts";
import { AppError } from "../../../protocol/errors.ts";
import { checkScriptSyntax, positionAt } from "../syntax.ts";

/** What to write instead of each construct that emits code of its own and so cannot be blanked. */
const instead: Record<string, string> = {
  enum: 'an enum cannot be stripped to JavaScript: use a union of string literals (type Color = "red" | "green") or an object declared `as const`',
  namespace: "a namespace with values cannot be stripped to JavaScript: use a plain object or functions at the top level of the module",
  "parameter-property":
    "a parameter property (constructor(private x: T)) cannot be stripped to JavaScript: declare the field in the class body and assign it in the constructor",
  "import-equals": '`import x = require(...)` is not an ES module import: use `import x from "..."`',
  "export-equals": "`export =` is not an ES module export: use `export default`",
  "angle-assertion": "a `<T>value` assertion cannot be stripped: write `value as T`",
  "assertion-in-logical": "removing this `as`/`satisfies` would regroup the expression around it: wrap it in parentheses, like `(value as T)`",
};

type Stripper = typeof import("virtual:ts-stripper");
let stripper: Promise<Stripper> | undefined;

/**
 * The stripper holds TypeScript's parser (about 3.5 MB): it is evaluated on the first
 * TypeScript save an isolate sees, not when the dispatcher starts.
 */
function loadStripper(): Promise<Stripper> {
  return (stripper ??= import("virtual:ts-stripper"));
}

/**
 * Checks a script's source as its language and answers what runs: `null` for JavaScript (the
 * source itself), the stripped JavaScript for TypeScript. Refuses with 422, line and column.
 */
export async function compileScript(code: string, language: ScriptLanguage, field = "code"): Promise<string | null> {
  if (language === "js") {
    checkScriptSyntax(code, field);
    return null;
  }
  const { strip } = await loadStripper();
  const stripped = strip(code);
  const broken = stripped.syntax[0];
  if (broken) refuse(code, broken.start, `syntax error at line {at}: ${broken.message}`, field);
  const unsupported = stripped.unsupported[0];
  if (unsupported)
    refuse(code, unsupported.start, `line {at}: ${instead[unsupported.construct] ?? `${unsupported.construct} cannot be stripped to JavaScript`}`, field);
  // The JavaScript left keeps every position, so its own errors point at the TypeScript too.
  checkScriptSyntax(stripped.code, field);
  return stripped.code;
}

function refuse(code: string, offset: number, message: string, field: string): never {
  const { line, column } = positionAt(code, offset);
  throw new AppError("SYNTAX_ERROR", message.replace("{at}", `${line}, column ${column}`), { field, details: { line, column } });
}
