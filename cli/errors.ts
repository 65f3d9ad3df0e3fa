// What a command can end with, as CI sees it: the exit code says whose problem it is, so a
// pipeline can tell "the script failed" from "the server is down" without reading the text.

export const exitCodes = {
  ok: 0,
  /** The thing asked for failed: an execution failed, a push met a conflict, the API refused. */
  failed: 1,
  /** The command line was wrong: unknown command or option, bad JSON in --data. */
  usage: 2,
  /** No credentials, or the server refused them or their permissions. */
  auth: 3,
  /** The server could not be reached, failed on its side, or asked to come back later. */
  unavailable: 4,
} as const;

export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];

/** The one error a command throws; main prints its message (never a stack) and exits with `exitCode`. */
export class CliError extends Error {
  override readonly name = "CliError";
  readonly exitCode: ExitCode;
  /** The API's error code, when the server refused. */
  readonly code: string | undefined;
  /** The request field the server named, as a dotted path. */
  readonly field: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(exitCode: ExitCode, message: string, extra: { code?: string; field?: string; details?: Record<string, unknown> } = {}) {
    super(message);
    this.exitCode = exitCode;
    this.code = extra.code;
    this.field = extra.field;
    this.details = extra.details;
  }

  /** The same failure said about something more specific (a file, a script). */
  about(subject: string): CliError {
    return new CliError(this.exitCode, `${subject}: ${this.message}`, { code: this.code, field: this.field, details: this.details });
  }

  toJSON() {
    return {
      code: this.code ?? codeOf(this.exitCode),
      message: this.message,
      ...(this.field ? { field: this.field } : {}),
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

function codeOf(exitCode: ExitCode): string {
  return ({ 0: "OK", 1: "FAILED", 2: "USAGE", 3: "UNAUTHENTICATED", 4: "UNAVAILABLE" } as const)[exitCode];
}

export const usage = (message: string) => new CliError(exitCodes.usage, message);
export const failed = (message: string, extra?: { code?: string; field?: string; details?: Record<string, unknown> }) =>
  new CliError(exitCodes.failed, message, extra);
