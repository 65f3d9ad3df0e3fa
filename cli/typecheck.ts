// Type-checks TypeScript scripts before a push, against the SDK's declarations the server
// serves, with the same options as the admin's editor (protocol/script-types.ts). The server
// only strips types; this is where a type error stops a deploy.
//
// TypeScript comes from the project the user runs in (their `typescript`), else from beside the
// CLI: the first one found with a JS API (`createProgram`), which TypeScript 7, a native
// compiler, does not have; this repository installs TypeScript 6 as `typescript-api` for that.
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { scriptCheckOptions, sdkAmbientModule } from "../protocol/script-types.ts";
import type { Api } from "./api.ts";
import { failed } from "./errors.ts";
import type { Output } from "./output.ts";
import { shown, type Project } from "./project.ts";

type TS = typeof import("typescript-api");

export interface TypeError {
  file: string;
  line: number;
  column: number;
  code: number;
  message: string;
}

const candidates = ["typescript", "typescript-api"];

/** A TypeScript with a JS API, from `root` first, then from the CLI's own dependencies. */
export async function loadTypeScript(root: string): Promise<TS | undefined> {
  for (const from of [join(root, "package.json"), import.meta.filename]) {
    const require = createRequire(from);
    for (const name of candidates) {
      let path: string;
      try {
        path = require.resolve(name);
      } catch {
        continue;
      }
      const loaded = (await import(pathToFileURL(path).href)) as { default?: TS } & Partial<TS>;
      const ts = (loaded.default ?? loaded) as TS;
      if (typeof ts.createProgram === "function") return ts;
    }
  }
  return undefined;
}

/** The type errors of `files` (absolute paths to their source), each with its 1-based line and column. */
export function typeErrors(ts: TS, files: Map<string, string>, sdkDeclarations: string): TypeError[] {
  const sdkFile = resolve("/__iota__/iota-sdk.d.ts");
  const virtual = new Map([...files, [sdkFile, sdkAmbientModule(sdkDeclarations)]]);
  const { options, errors } = ts.convertCompilerOptionsFromJson(
    { ...scriptCheckOptions, target: "esnext", module: "esnext", moduleResolution: "bundler" },
    "/",
  );
  if (errors.length) throw new Error(ts.flattenDiagnosticMessageText(errors[0]!.messageText, "\n"));
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, language, onError) => {
    const text = virtual.get(resolve(name));
    return text === undefined ? getSourceFile.call(host, name, language, onError) : ts.createSourceFile(name, text, language);
  };
  host.fileExists = (name) => virtual.has(resolve(name)) || fileExists.call(host, name);
  host.readFile = (name) => virtual.get(resolve(name)) ?? readFile.call(host, name);
  const program = ts.createProgram([...virtual.keys()], options, host);
  const found: TypeError[] = [];
  for (const d of ts.getPreEmitDiagnostics(program)) {
    if (d.category !== ts.DiagnosticCategory.Error) continue;
    const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    if (!d.file || d.start === undefined) {
      found.push({ file: "", line: 0, column: 0, code: d.code, message });
      continue;
    }
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    found.push({ file: resolve(d.file.fileName), line: line + 1, column: character + 1, code: d.code, message });
  }
  return found;
}

/**
 * Checks the TypeScript files a push is about to send (absolute path to source) and refuses the
 * push on a type error (exit 1), each error as `file:line:col`. Without a TypeScript to check
 * with, says so and lets the push go on: the server still refuses what it cannot strip.
 */
export async function checkBeforePush(api: Api, project: Project, files: Map<string, string>, out: Output): Promise<void> {
  if (files.size === 0) return;
  const ts = await loadTypeScript(project.root);
  if (!ts) {
    out.note(`not type-checked: no TypeScript with a JS API here (npm install -D typescript@6), or push with --no-typecheck to skip`);
    return;
  }
  const sdk = await api.get<string>("/admin/api/sdk/types");
  const errors = typeErrors(ts, files, sdk).map((e) => ({ ...e, file: e.file ? shown(project, e.file) : "" }));
  if (errors.length === 0) return;
  const lines = errors.map((e) => `  ${e.file ? `${e.file}:${e.line}:${e.column}` : "(options)"} error TS${e.code}: ${e.message.replace(/\n/g, "\n    ")}`);
  throw failed([`${errors.length} type error${errors.length === 1 ? "" : "s"}; nothing pushed (--no-typecheck pushes anyway):`, ...lines].join("\n"), {
    code: "TYPE_ERRORS",
    details: { errors },
  });
}
