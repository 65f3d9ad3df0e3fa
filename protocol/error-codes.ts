// The error codes and the HTTP status each answers with: user codes describe a problem with the
// request, system codes a fault of ours. Apart from errors.ts so the error schema can list them.

export const userCodes = {
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

export const systemCodes = {
  INTERNAL: 500,
  RUNNER_UNAVAILABLE: 503,
  /** No runner process could be had for the tenant (all are in use by others): retry shortly. */
  RUNNER_BUSY: 503,
  /**
   * The host this dispatcher runs under stopped answering (it died or is restarting): runs it had
   * are closed by its restart (HOST_RESTARTED), or by another host's tick at their deadline.
   */
  HOST_GONE: 503,
  DATABASE_UNAVAILABLE: 503,
} as const;

/** What a caller of a script's endpoint or embedded call hears when the script did not succeed. */
export const scriptFailureCodes = ["SCRIPT_ERROR", "SCRIPT_REJECTED", "TIMEOUT", "INTERRUPTED"] as const;
