// How the shared suite records an answer and writes what it expects: the status and the whole
// error body, so two builds that word a refusal differently do not pass as the same.
import type { ApiResponse } from "../support/system.ts";

export interface Answer {
  status: number;
  error?: { code: string; message: string; field?: string; details?: Record<string, unknown> };
}

/** A success is judged by its status; a refusal by its status and error body. */
export const answerOf = (r: ApiResponse): Answer => ({ status: r.status, ...(r.status >= 400 ? { error: r.body?.error } : {}) });

export const refused = (status: number, code: string, message: string, field?: string, details?: Record<string, unknown>): Answer => ({
  status,
  error: { code, message, ...(field === undefined ? {} : { field }), ...(details === undefined ? {} : { details }) },
});

export const invalid = (field: string, message: string) => refused(422, "VALIDATION_FAILED", message, field);
export const notFound = (what: string) => refused(404, "NOT_FOUND", `${what} not found`);
