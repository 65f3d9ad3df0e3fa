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
