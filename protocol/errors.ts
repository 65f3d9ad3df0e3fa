// One error type for the whole product. Codes are stable strings that clients may switch on;
// user codes describe a problem with the request, system codes a fault of ours.
import { systemCodes, userCodes } from "./error-codes.ts";
import type { ErrorBody } from "./schemas/errors.ts";

export type { ErrorBody };
export type UserErrorCode = keyof typeof userCodes;
export type SystemErrorCode = keyof typeof systemCodes;
export type ErrorCode = UserErrorCode | SystemErrorCode;

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
