// `iota`: the command line for iota-scripts. Reads the command and its options, runs it, and
// turns any failure into one plain line (never a stack) and an exit code CI can act on.
import { parseArgs } from "node:util";
import type { Command } from "./command.ts";
import { diff } from "./commands/diff.ts";
import { events } from "./commands/events.ts";
import { history } from "./commands/history.ts";
import { init } from "./commands/init.ts";
import { invoke } from "./commands/invoke.ts";
import { login } from "./commands/login.ts";
import { logs } from "./commands/logs.ts";
import { pull } from "./commands/pull.ts";
import { push } from "./commands/push.ts";
import { run } from "./commands/run.ts";
import { tryDraft } from "./commands/try.ts";
import { CliError, exitCodes, usage, type ExitCode } from "./errors.ts";
import { Output } from "./output.ts";
import { version } from "./version.ts";

const commands: Command[] = [login, init, pull, diff, push, tryDraft, run, logs, invoke, events, history];

const overview = () => `iota ${version}: keep an iota-scripts tenant's scripts in git, run them, follow them.

Usage: iota <command> [options]    (iota <command> --help for its options)

${commands.map((c) => `  ${c.name.padEnd(9)} ${c.summary}`).join("\n")}

Every command takes --json (machine-readable output on stdout).
Exit codes: 0 ok, 1 failed (a run, a conflict, a refusal), 2 usage, 3 credentials, 4 server unreachable or unavailable.
Credentials: iota login, or IOTA_URL and IOTA_TOKEN (and IOTA_TENANT for a platform admin's token).`;

async function main(argv: string[]): Promise<ExitCode> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    const about = name === "help" && rest[0] ? commands.find((c) => c.name === rest[0]) : undefined;
    (name === undefined ? process.stderr : process.stdout).write(`${about ? about.help : overview()}\n`);
    return name === undefined ? exitCodes.usage : exitCodes.ok;
  }
  if (name === "--version" || name === "-v") {
    process.stdout.write(`${version}\n`);
    return exitCodes.ok;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) throw usage(`no command ${name}; the commands are ${commands.map((c) => c.name).join(", ")} (iota help)`);
  const json = rest.includes("--json");
  const out = new Output(json);
  try {
    const parse = () =>
      parseArgs({
        args: rest,
        options: { ...command.options, json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
        allowPositionals: true,
        strict: true,
      });
    let parsed: ReturnType<typeof parse>;
    try {
      parsed = parse();
    } catch (e) {
      throw usage(`${(e as Error).message.replace(/\. To specify a positional.*$/s, "")}\n\n${command.help}`);
    }
    if (parsed.values.help) {
      process.stdout.write(`${command.help}\n`);
      return exitCodes.ok;
    }
    const count = parsed.positionals.length;
    if (count < command.args.min || count > command.args.max) throw usage(`wrong number of arguments\n\n${command.help}`);
    return await command.run({ positionals: parsed.positionals, values: parsed.values, cwd: process.cwd(), env: process.env, out, stdin: process.stdin });
  } catch (e) {
    return report(e, out);
  }
}

function report(e: unknown, out: Output): ExitCode {
  const error = e instanceof CliError ? e : new CliError(exitCodes.failed, `unexpected failure: ${(e as Error)?.message ?? String(e)}`, { code: "CLI_BUG" });
  if (!(e instanceof CliError) && process.env.IOTA_DEBUG) process.stderr.write(`${(e as Error)?.stack}\n`);
  if (out.json) {
    out.line(JSON.stringify({ error: error.toJSON() }, null, 2));
  } else {
    const named = error.field && !error.message.includes(error.field) ? ` (field ${error.field})` : "";
    const retry = typeof error.details?.retryAfterSeconds === "number" ? ` Try again in ${error.details.retryAfterSeconds} s.` : "";
    const execution =
      typeof error.details?.executionId === "string" && !error.message.includes(error.details.executionId) ? ` (execution ${error.details.executionId})` : "";
    process.stderr.write(`iota: ${error.message}${named}${execution}${error.code && error.exitCode !== exitCodes.usage ? ` [${error.code}]` : ""}${retry}\n`);
  }
  return error.exitCode;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.exitCode = report(e, new Output(process.argv.includes("--json")));
  },
);
