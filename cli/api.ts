// The one way the CLI talks to the server: JSON over fetch with the token, and every refusal
// turned into a CliError whose exit code says whose problem it is.
import type { Connection } from "./config.ts";
import { CliError, exitCodes, type ExitCode } from "./errors.ts";
import { version } from "./version.ts";

interface ErrorBody {
  code?: string;
  message?: string;
  field?: string;
  details?: Record<string, unknown>;
}

export interface Answer<T> {
  status: number;
  headers: Headers;
  body: T;
}

type Query = Record<string, string | number | undefined>;

/** 401/403: credentials; 408/429/5xx: come back later; any other refusal: the request failed. */
export function exitCodeFor(status: number): ExitCode {
  if (status === 401 || status === 403) return exitCodes.auth;
  if (status === 408 || status === 429 || status >= 500) return exitCodes.unavailable;
  return exitCodes.failed;
}

export class Api {
  readonly #connection: Connection;

  constructor(connection: Connection) {
    this.#connection = connection;
  }

  get url(): string {
    return this.#connection.url;
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>("GET", path, { query }).then((a) => a.body);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>("POST", path, { body }).then((a) => a.body);
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>("PATCH", path, { body }).then((a) => a.body);
  }

  /** A JSON request; any answer but 2xx throws, carrying the API's code, message and field. */
  async request<T>(method: string, path: string, options: { body?: unknown; query?: Query } = {}): Promise<Answer<T>> {
    const response = await this.send(method, path, options);
    const text = await response.text();
    const body = text ? parseJson(text) : null;
    if (!response.ok) throw refusal(response, body);
    return { status: response.status, headers: response.headers, body: body as T };
  }

  /** The raw response (for streams); only a refusal before the body starts is read here. */
  async open(path: string, accept: string): Promise<Response> {
    const response = await this.send("GET", path, { accept });
    if (!response.ok) throw refusal(response, parseJson(await response.text()));
    return response;
  }

  async send(method: string, path: string, options: { body?: unknown; query?: Query; accept?: string } = {}): Promise<Response> {
    const url = new URL(`${this.#connection.url}${path}`);
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value));
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#connection.token}`,
      accept: options.accept ?? "application/json",
      "user-agent": `iota-cli/${version}`,
    };
    if (this.#connection.tenant) headers["x-iota-tenant"] = this.#connection.tenant;
    if (options.body !== undefined) headers["content-type"] = "application/json";
    try {
      return await fetch(url, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(exitCodes.unavailable, `cannot reach ${this.#connection.url}: ${cause?.code ?? cause?.message ?? (e as Error).message}`, {
        code: "NETWORK",
      });
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function refusal(response: Response, body: unknown): CliError {
  const error = typeof body === "object" && body !== null && "error" in body ? ((body as { error: ErrorBody }).error ?? {}) : {};
  const message = error.message ?? `the server answered ${response.status} ${response.statusText}`.trim();
  const retryAfter = response.headers.get("retry-after");
  const details: Record<string, unknown> = { ...error.details, ...(retryAfter ? { retryAfterSeconds: Number(retryAfter) } : {}) };
  const executionId = response.headers.get("x-iota-execution-id");
  if (executionId) details.executionId = executionId;
  return new CliError(exitCodeFor(response.status), message, {
    code: error.code ?? `HTTP_${response.status}`,
    field: error.field,
    details: Object.keys(details).length ? details : undefined,
  });
}
