// What every command is made of: its options (util.parseArgs), how many arguments it takes, and
// a `run` that returns its exit code. Shared helpers read the command line the same way in each.
import { readFile } from "node:fs/promises";
import type { ParseArgsOptionsConfig } from "node:util";
import type { Env } from "./config.ts";
import { usage, type ExitCode } from "./errors.ts";
import type { Output } from "./output.ts";

export type Values = Record<string, string | boolean | string[] | undefined>;

export interface Invocation {
  positionals: string[];
  values: Values;
  cwd: string;
  env: Env;
  out: Output;
  stdin: NodeJS.ReadableStream;
}

export interface Command {
  name: string;
  /** One line for `iota help`. */
  summary: string;
  /** The synopsis and what each option does, for `iota <command> --help`. */
  help: string;
  options: ParseArgsOptionsConfig;
  /** How many positional arguments it takes. */
  args: { min: number; max: number };
  run(invocation: Invocation): Promise<ExitCode>;
}

export function text(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === "string" ? value : undefined;
}

export const flag = (values: Values, name: string) => values[name] === true;

export function wholeNumber(values: Values, name: string): number | undefined {
  const value = text(values, name);
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw usage(`--${name} must be a whole number, not ${JSON.stringify(value)}`);
  return Number(value);
}

/** The options that give a command its JSON input: `--data JSON`, `--input FILE`, or `--input -` for stdin. */
export const inputOptions = {
  data: { type: "string" },
  input: { type: "string" },
} as const satisfies ParseArgsOptionsConfig;

export const inputHelp = `  --data JSON      the input, as JSON on the command line
  --input FILE     the input from a JSON file; - reads it from stdin`;

/** The input the options give, or `undefined` when they give none. */
export async function readInput(invocation: Invocation): Promise<unknown> {
  const data = text(invocation.values, "data");
  const file = text(invocation.values, "input");
  if (data !== undefined && file !== undefined) throw usage("give the input with --data or --input, not both");
  if (data !== undefined) return parseJson(data, "--data");
  if (file === undefined) return undefined;
  const source =
    file === "-"
      ? await readAll(invocation.stdin)
      : await readFile(file, "utf8").catch((e: NodeJS.ErrnoException) => {
          throw usage(`cannot read --input ${file}: ${e.code === "ENOENT" ? "no such file" : e.message}`);
        });
  return parseJson(source, file === "-" ? "the input on stdin" : file);
}

function parseJson(source: string, what: string): unknown {
  try {
    return JSON.parse(source);
  } catch (e) {
    throw usage(`${what} is not valid JSON: ${(e as Error).message}`);
  }
}

export async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let all = "";
  for await (const chunk of stream) all += typeof chunk === "string" ? chunk : (chunk as Buffer).toString("utf8");
  return all;
}
