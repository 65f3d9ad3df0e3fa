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
  /**
   * Aborted when the deadline passes (`reason.message` "deadline exceeded") or when someone
   * cancels the execution ("cancelled"): pass it to long waits to stop early. Either way the
   * script then has 1 s to clean up through ctx.
   */
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
  /** The tenant's business data: `ctx.sdk.clients.create({...})`, `ctx.sdk.payments.list({ since })`. */
  readonly sdk: BusinessData;
  /** Script state shared by the tenant's scripts, kept between runs. */
  readonly kv: KeyValueStore;
  /** The tenant's named secrets (set in the admin); values are masked in logs. */
  readonly secrets: { get(name: string): Promise<string | null> };
  /**
   * Publishes a domain event into the platform's event intake; event scripts receive it. From an
   * event script, a chain of more than 10 events published by event scripts is refused
   * (`EVENT_CHAIN_TOO_DEEP`), which stops a script that publishes what it consumes.
   */
  readonly events: { publish(type: string, payload?: unknown): Promise<{ id: string; deliveries: number }> };
}

/**
 * What SDK calls throw when the platform refuses them: `error.name === "SdkError"`, with the
 * platform's `code` (`VALIDATION_FAILED`, `NOT_FOUND`, `PAYLOAD_TOO_LARGE`, ...) and, for
 * validation errors, the `field` at fault.
 */
export interface SdkError extends Error {
  readonly name: "SdkError";
  readonly code: string;
  readonly field?: string;
}

/** The SDK version this platform speaks; a script pins one with its `sdkVersion` field. */
export const sdkVersion = "1";

export interface Page<T> {
  items: T[];
  /** Pass as `cursor` to get the next page; null on the last page. */
  nextCursor: string | null;
}

export interface ListQuery<Filters> {
  /** 1 to 500; 50 by default. */
  limit?: number;
  cursor?: string;
  /** Equality filters on the entity's filterable fields. */
  where?: Partial<Filters>;
}

export interface DatedQuery<Filters> extends ListQuery<Filters> {
  /** Transactions on or after this date (YYYY-MM-DD). */
  since?: string;
  /** Transactions on or before this date (YYYY-MM-DD). */
  until?: string;
}

export interface Stored {
  readonly id: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface ClientFields {
  firstName: string;
  lastName?: string;
  middleName?: string;
  email?: string | null;
  phone?: string | null;
  address?: string;
  comments?: string;
}
export type Client = Stored & Required<ClientFields>;

export interface AccountFields {
  name: string;
  number?: string;
  /** In the account's currency, with at most 2 decimals. */
  balance?: number;
  /** ISO 4217, like "USD". */
  currency: string;
}
export type MoneyAccount = Stored & Required<AccountFields>;

interface LedgerFields {
  /** With at most 2 decimals. */
  amount: number;
  /** ISO 4217, like "USD". */
  currency: string;
  /** YYYY-MM-DD; today by default. */
  transactionDate?: string;
  /** YYYY-MM; the transaction date's month by default. */
  accountingPeriod?: string;
  comment?: string;
}

export interface PaymentFields extends LedgerFields {
  counterparty?: string;
  category?: string;
  accountId?: string | null;
}
export type Payment = Stored & Required<PaymentFields>;

export interface ExpenseFields extends LedgerFields {
  category?: string;
  accountId?: string | null;
}
export type Expense = Stored & Required<ExpenseFields>;

export interface TransactionFields extends LedgerFields {
  type: "deposit" | "transfer" | "exchange";
  originAccountId?: string | null;
  destinationAccountId?: string | null;
}
export type Transaction = Stored & Required<TransactionFields>;

export interface PlatformUser {
  readonly id: string;
  readonly username: string;
  readonly role: "owner" | "admin" | "developer" | "viewer";
}

/** Reads and writes one entity of the tenant. Writes publish `<entity>.created` / `.updated`. */
export interface Repository<T, Fields, Query> {
  list(query?: Query): Promise<Page<T>>;
  /** null when there is no such record in this tenant. */
  get(id: string): Promise<T | null>;
  create(fields: Fields): Promise<T>;
  update(id: string, fields: Partial<Fields>): Promise<T>;
}

export interface BusinessData {
  clients: Repository<Client, ClientFields, ListQuery<{ email: string; phone: string; lastName: string }>>;
  accounts: Repository<MoneyAccount, AccountFields, ListQuery<{ currency: string; name: string }>>;
  payments: Repository<
    Payment,
    PaymentFields,
    DatedQuery<{ category: string; currency: string; counterparty: string; accountId: string; accountingPeriod: string }>
  >;
  expenses: Repository<Expense, ExpenseFields, DatedQuery<{ category: string; currency: string; accountId: string; accountingPeriod: string }>>;
  transactions: Repository<
    Transaction,
    TransactionFields,
    DatedQuery<{ type: string; currency: string; originAccountId: string; destinationAccountId: string; accountingPeriod: string }>
  >;
  /** The tenant's platform users, read-only. */
  users: { list(): Promise<Page<PlatformUser>>; get(id: string): Promise<PlatformUser | null> };
}

export interface KeyValueStore {
  /** The value, or null when the key is missing or expired. */
  get<T = unknown>(key: string): Promise<T | null>;
  /** Values are JSON, at most 128 KB; keys at most 512 characters. */
  put(key: string, value: unknown, options?: { ttlSeconds?: number }): Promise<void>;
  /** @deprecated Use put(); set() goes in SDK version 2. */
  set(key: string, value: unknown, options?: { ttlSeconds?: number }): Promise<void>;
  delete(key: string): Promise<boolean>;
  list(options?: { prefix?: string; limit?: number; cursor?: string }): Promise<{ keys: { key: string; expiresAt: string | null }[]; cursor: string | null }>;
}

/** The parts of ctx that reach the platform. */
export interface ScriptSdk {
  sdk: BusinessData;
  kv: KeyValueStore;
  secrets: ScriptContext["secrets"];
  events: ScriptContext["events"];
}

/**
 * An HTTP-endpoint script receives the caller's standard `Request` as its input and answers
 * with a `Response`, or with any JSON value (sent as `200 application/json`).
 */
export type HttpHandler = (request: Request, ctx: ScriptContext) => Response | unknown | Promise<Response | unknown>;

/** What an `event` script receives: one event, as it was published. */
export interface EventInput<Payload = unknown> {
  /** The publisher's id: the same on every attempt and replay of this delivery. */
  readonly id: string;
  /** The dotted type, like "payment.processed". */
  readonly type: string;
  /** Any JSON, as published (or as edited for a replay of a dead letter); null when none was sent. */
  readonly payload: Payload;
  /** When it happened (ISO 8601): as its publisher said, else when the platform received it. */
  readonly occurredAt: string;
}

/** What a `scheduled` script receives. */
export interface ScheduledInput {
  /** The slot this run is for: ISO 8601 in the script's time zone, like "2026-03-29T03:00:00+02:00". */
  readonly scheduledFor: string;
  /** True for the one run of the latest slot missed while the platform was down (`missedPolicy: "catch_up"`). */
  readonly caughtUp?: boolean;
}

/** An `event` script: `export default (async (event, ctx) => { ... }) satisfies EventHandler<{ amount: string }>`. */
export type EventHandler<Payload = unknown, Output = unknown> = (event: EventInput<Payload>, ctx: ScriptContext) => Output | Promise<Output>;

/** A `scheduled` script. */
export type ScheduledHandler<Output = unknown> = (input: ScheduledInput, ctx: ScriptContext) => Output | Promise<Output>;

/**
 * A script is an ES module whose default export is this function. Its return value must be
 * JSON-serialisable; it becomes the execution's output. A thrown error fails the execution.
 */
export type ScriptHandler<Input = unknown, Output = unknown> = (input: Input, ctx: ScriptContext) => Output | Promise<Output>;

/**
 * What an embedded script throws to refuse its caller's input with a 4xx instead of failing:
 * an `Error` with a `status` from 400 to 499. The caller gets that status and
 * `{error: {code: "SCRIPT_REJECTED", message}}`; the execution is recorded as failed.
 *
 *     throw Object.assign(new Error(`unknown sku ${input.sku}`), { status: 404 }) satisfies ScriptRejection;
 */
export interface ScriptRejection extends Error {
  status: number;
}
