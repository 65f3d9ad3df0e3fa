// The wire format between the dispatcher (in workerd) and the host that owns the embedded
// libSQL file. It carries exactly what drizzle's sqlite-proxy driver asks for.

export type QueryMethod = "run" | "all" | "values" | "get";

export interface ProxyQuery {
  sql: string;
  params: unknown[];
  method: QueryMethod;
}

/** For `get`, `rows` is the one row (an array of values) or absent; otherwise a list of rows. */
export interface ProxyResult {
  rows: unknown[] | undefined;
}

export interface ProxyError {
  error: { code: string; message: string };
}

/** A statement written as SQL text with `?` parameters, for paths that run on every call. */
export interface Statement {
  sql: string;
  params: unknown[];
}

/**
 * Runs written statements in one write transaction and answers each one's rows as arrays.
 * Drizzle rebuilds a query's SQL from its builder on every call, which cost the dispatcher
 * more CPU than anything else per endpoint call; the few statements of that path skip it.
 */
export type StatementBatch = (statements: Statement[]) => Promise<unknown[][][]>;
