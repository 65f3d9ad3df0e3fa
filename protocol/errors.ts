// One error type for the whole product. Codes are stable strings that clients may switch on;
// user codes describe a problem with the request, system codes a fault of ours.

const userCodes = {
  BAD_REQUEST: 400,
  VALIDATION_FAILED: 422,
  SYNTAX_ERROR: 422,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  /** The tenant's queue holds as many executions as its budget allows (`maxQueued`). */
  QUEUE_BUDGET_EXCEEDED: 429,
  /** The inputs waiting in the tenant's queue would pass its budget (`maxQueuedBytes`). */
  QUEUE_BYTES_EXCEEDED: 413,
  /** The tenant recorded its daily budget of history (`maxHistoryBytesPerDay`) for this UTC day. */
  HISTORY_BUDGET_EXCEEDED: 429,
  /** An event script's publishing went deeper than the event chain limit (most often a loop). */
  EVENT_CHAIN_TOO_DEEP: 409,
} as const;

const systemCodes = {
  INTERNAL: 500,
  RUNNER_UNAVAILABLE: 503,
  /** No runner process could be had for the tenant (all are in use by others): retry shortly. */
  RUNNER_BUSY: 503,
  DATABASE_UNAVAILABLE: 503,
} as const;

export type UserErrorCode = keyof typeof userCodes;
export type SystemErrorCode = keyof typeof systemCodes;
export type ErrorCode = UserErrorCode | SystemErrorCode;

/** The JSON body of every error answer: `{ error: ErrorBody }`. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  /** The request field at fault, as a dotted path (`tags.team`), when there is one. */
  field?: string;
  /** Extra machine-readable facts, e.g. the line and column of a syntax error. */
  details?: Record<string, unknown>;
}

export class AppError extends Error {
  override readonly name = "AppError";
  readonly code: ErrorCode;
  readonly field: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, extra: { field?: string; details?: Record<string, unknown>; cause?: unknown } = {}) {
    super(message, { cause: extra.cause });
    this.code = code;
    this.field = extra.field;
    this.details = extra.details;
  }

  get status(): number {
    return statusOf(this.code);
  }

  get isUserError(): boolean {
    return this.code in userCodes;
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { code: this.code, message: this.message };
    if (this.field !== undefined) body.field = this.field;
    if (this.details !== undefined) body.details = this.details;
    return body;
  }
}

export function statusOf(code: ErrorCode): number {
  return (userCodes as Record<string, number>)[code] ?? (systemCodes as Record<string, number>)[code] ?? 500;
}

export const invalid = (field: string, message: string) => new AppError("VALIDATION_FAILED", message, { field });
export const notFound = (what: string) => new AppError("NOT_FOUND", `${what} not found`);
