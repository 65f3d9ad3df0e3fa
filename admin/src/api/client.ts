// One way to call the management API: JSON in and out, the session's CSRF token on every write,
// and failures as `ApiError` carrying the server's `{code, message, field, details}`.
import type { ErrorBody } from "../../../protocol/errors.ts";

export const apiBase = `${import.meta.env.BASE_URL}api`;

export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly status: number;
  /** The server's error code, or `NETWORK` when no answer came back. */
  readonly code: string;
  readonly field: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  /** Seconds to wait, from `Retry-After` on a 429. */
  readonly retryAfter: number | undefined;

  constructor(status: number, body: Pick<ErrorBody, "message" | "field" | "details"> & { code: string }, retryAfter?: number) {
    super(body.message);
    this.status = status;
    this.code = body.code;
    this.field = body.field;
    this.details = body.details;
    this.retryAfter = retryAfter;
  }

  /** The server has no such route yet (as opposed to a missing record). */
  get routeMissing(): boolean {
    return this.status === 404 && /^no route for /.test(this.message);
  }
}

let csrfToken: string | undefined;
let actingTenant: string | undefined;
let onUnauthenticated: (() => void) | undefined;
let inFlight = 0;
let settled: (() => void)[] = [];

/**
 * Resolves once no request is under way: switching tenant or signing out ends the session the
 * running requests were made with, so those must land first.
 */
export function idle(): Promise<void> {
  if (inFlight === 0) return Promise.resolve();
  return new Promise((resolve) => settled.push(resolve));
}

export async function counted<T>(work: () => Promise<T>): Promise<T> {
  inFlight++;
  try {
    return await work();
  } finally {
    if (--inFlight === 0) {
      const waiting = settled;
      settled = [];
      for (const resolve of waiting) resolve();
    }
  }
}

export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/**
 * A platform admin working in a tenant they are not a member of: the session stays in their
 * own tenant and every call names the other one in `X-Iota-Tenant`. Undefined works in the
 * session's tenant.
 */
export function actInTenant(slug: string | undefined): void {
  actingTenant = slug;
}

export function actingInTenant(): string | undefined {
  return actingTenant;
}

/** The headers that say which tenant a call is for; every request to the API carries them. */
export function tenantHeaders(): Record<string, string> {
  return actingTenant ? { "x-iota-tenant": actingTenant } : {};
}

/** The headers a call with this method carries besides its body's: the tenant, and the session's CSRF token on writes. */
export function callHeaders(method: string): Record<string, string> {
  const write = method !== "GET" && method !== "HEAD";
  return { ...tenantHeaders(), ...(write && csrfToken ? { "x-csrf-token": csrfToken } : {}) };
}

/** Called when the server says the session is gone (401), to send the user to sign in. */
export function onSessionLost(handler: () => void): void {
  onUnauthenticated = handler;
}

export type Query = Record<string, string | number | boolean | undefined | null | readonly string[]>;

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === "") continue;
    if (Array.isArray(value)) for (const v of value) params.append(key, v);
    else params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export interface RequestOptions {
  signal?: AbortSignal;
  /** Do not treat a 401 as a lost session (signing in answers 401 for a wrong password). */
  quiet401?: boolean;
}

/** A text answer (not JSON), e.g. generated declarations. */
export function requestText(path: string): Promise<string> {
  return counted(async () => {
    const response = await fetch(`${apiBase}${path}`, { headers: { accept: "text/plain", ...tenantHeaders() }, credentials: "same-origin" });
    if (!response.ok)
      throw new ApiError(response.status, { code: response.status === 404 ? "NOT_FOUND" : "BAD_REQUEST", message: `the server answered ${response.status}` });
    return response.text();
  });
}

export function request<T>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
  return counted(() => send<T>(method, path, body, options));
}

async function send<T>(method: string, path: string, body: unknown, options: RequestOptions): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json", ...callHeaders(method) };
  if (body !== undefined) headers["content-type"] = "application/json";
  let response: Response;
  try {
    response = await fetch(`${apiBase}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      signal: options.signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === "AbortError") throw e;
    throw new ApiError(0, { code: "NETWORK", message: "the server could not be reached; check your connection and try again" });
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  const parsed = parseJson(text);
  if (response.ok) return parsed as T;
  if (response.status === 401 && !options.quiet401) onUnauthenticated?.();
  throw failureOf(response, parsed);
}

/** JSON text as a value, or null when it is empty or not JSON. */
export function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

/** A refused answer as an ApiError: the server's `{error}` when it sent one. */
export function failureOf(response: Response, parsed: unknown): ApiError {
  const error = (parsed as { error?: ErrorBody } | null)?.error;
  const retryAfter = Number(response.headers.get("retry-after")) || undefined;
  return new ApiError(
    response.status,
    error ?? { code: response.status >= 500 ? "INTERNAL" : "BAD_REQUEST", message: `the server answered ${response.status} ${response.statusText}` },
    retryAfter,
  );
}
