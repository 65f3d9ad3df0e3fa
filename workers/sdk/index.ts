// The script SDK's public types: what a user's script receives. This file is the one source for
// the `.d.ts` that the README and the admin editor show.

/** How the execution was started. */
export type Trigger = "manual" | "embedded" | "http" | "event" | "scheduled";

export interface ScriptLogger {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

export interface ScriptContext {
  /** The tenant the script belongs to; set by the platform, never by the caller. */
  readonly tenant: { readonly id: string; readonly slug: string };
  readonly script: { readonly id: string; readonly name: string; readonly version: number };
  readonly executionId: string;
  readonly trigger: Trigger;
  /** 1 for a first run; higher when the platform retries a delivery. */
  readonly attempt: number;
  /** When the platform will stop this execution (ISO 8601). */
  readonly deadline: string;
  /** Aborted when the deadline passes: pass it to long waits to stop early. */
  readonly signal: AbortSignal;
  /** Structured log lines, kept in the execution's history (`console.*` is captured too). */
  readonly log: ScriptLogger;
  /**
   * Reports how far a long run has got: shown live in the admin and kept in the execution.
   * @param percent 0 to 100
   * @param message what is happening now, e.g. "imported 400 of 1000 rows"
   */
  progress(percent: number, message?: string): void;
  /** HTTP-endpoint scripts: the path's parameters (`/orders/:id` gives `params.id`); empty otherwise. */
  readonly params: Readonly<Record<string, string>>;
}

/**
 * An HTTP-endpoint script receives the caller's standard `Request` as its input and answers
 * with a `Response`, or with any JSON value (sent as `200 application/json`).
 */
export type HttpHandler = (request: Request, ctx: ScriptContext) => Response | unknown | Promise<Response | unknown>;

/**
 * A script is an ES module whose default export is this function. Its return value must be
 * JSON-serialisable; it becomes the execution's output. A thrown error fails the execution.
 */
export type ScriptHandler<Input = unknown, Output = unknown> = (input: Input, ctx: ScriptContext) => Output | Promise<Output>;
