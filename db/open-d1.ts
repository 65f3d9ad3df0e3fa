// Opens the database on Cloudflare D1: the second driver for the same drizzle schema and
// migrations, which Miniflare runs on real SQLite, so the Cloudflare build's tests run against a
// real database (there is no libSQL server to run here). Deployed, the database is Turso through
// open-remote.ts; D1 serves the local Cloudflare build (`npm run start:cloudflare`) and its tests.
//
// Two things differ from libSQL and are settled here, so the domain sees one database:
// - D1 reports failures as text ("D1_ERROR: UNIQUE constraint failed: tenants.slug:
//   SQLITE_CONSTRAINT"); the domain reads SQLite's code (isUniqueViolation), so each failure is
//   rethrown as a DatabaseError with the code read from that text.
// - `$batch` answers rows as arrays, and D1's batch (one transaction) answers objects only: the
//   arrays are the objects' values in column order. That holds for the statements written for
//   `$batch` (named columns, none repeated, none named by a number, which objects would reorder);
//   drizzle's own batches keep its mapping (drizzle-orm/d1).
// The D1 types are imported rather than taken from the Workers globals, so this file is checked
// by the Node project too (the tests open it through Miniflare's bindings there).
import type { D1Database, D1PreparedStatement, D1Result } from "@cloudflare/workers-types";
import { drizzle } from "drizzle-orm/d1";
import type { SqliteRemoteDatabase } from "drizzle-orm/sqlite-proxy";
import type { StatementBatch } from "./proxy-protocol.ts";
import type * as schemaTypes from "./schema.ts";
import * as schema from "./schema.ts";

/**
 * The same type as open-remote.ts's `Database` (spelled out, not imported: that file reaches for
 * Workers globals the Node project does not have). Both drivers build the same async queries.
 */
export type Database = SqliteRemoteDatabase<typeof schemaTypes> & { readonly $batch: StatementBatch };

/** A database failure with SQLite's code, shaped as open-remote.ts's DatabaseError (the domain reads `code`). */
export class DatabaseError extends Error {
  override readonly name = "DatabaseError";
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

/** SQLite's code in a D1 failure's text, e.g. SQLITE_CONSTRAINT; UNIQUE ones are named as such. */
export function d1ErrorCode(message: string): string {
  const code = /\bSQLITE_[A-Z_]+\b/.exec(message)?.[0];
  if (/UNIQUE constraint failed|PRIMARY KEY/i.test(message)) return code && code !== "SQLITE_CONSTRAINT" ? code : "SQLITE_CONSTRAINT_UNIQUE";
  return code ?? "D1_ERROR";
}

function translated(error: unknown): unknown {
  if (error instanceof DatabaseError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const wrapped = new DatabaseError(d1ErrorCode(message), message.replace(/^D1_ERROR:\s*/, ""));
  if (error instanceof Error) (wrapped as { cause?: unknown }).cause = error;
  return wrapped;
}

const real = Symbol("d1 statement");
type Wrapped = D1PreparedStatement & { [real]: D1PreparedStatement };

/** The statement with its failures translated; `batch` unwraps it again. */
function wrapStatement(statement: D1PreparedStatement): Wrapped {
  const wrapped = {
    [real]: statement,
    bind: (...values: unknown[]) => wrapStatement(statement.bind(...values)),
    first: (column?: string) => (column === undefined ? statement.first() : statement.first(column)).catch((e: unknown) => Promise.reject(translated(e))),
    run: () => statement.run().catch((e: unknown) => Promise.reject(translated(e))),
    all: () => statement.all().catch((e: unknown) => Promise.reject(translated(e))),
    raw: (options?: { columnNames?: boolean }) =>
      (options?.columnNames ? statement.raw({ columnNames: true }) : statement.raw()).catch((e: unknown) => Promise.reject(translated(e))),
  };
  return wrapped as unknown as Wrapped;
}

/** The D1 binding with SQLite's codes on its failures; what drizzle is given. */
function translating(d1: D1Database): D1Database {
  return {
    prepare: (query: string) => wrapStatement(d1.prepare(query)),
    batch: (statements: D1PreparedStatement[]) =>
      d1.batch(statements.map((s) => (s as Partial<Wrapped>)[real] ?? s)).catch((e: unknown) => Promise.reject(translated(e))),
    exec: (query: string) => d1.exec(query).catch((e: unknown) => Promise.reject(translated(e))),
    withSession: d1.withSession.bind(d1),
    dump: d1.dump.bind(d1),
  } as unknown as D1Database;
}

/** Rows as arrays, from D1's objects (see the top of this file for when that is exact). */
function rowsAsArrays(result: D1Result): unknown[][] {
  const rows = (result.results ?? []) as Record<string, unknown>[];
  return rows.map((row) => Object.values(row));
}

export function openD1Database(binding: D1Database): Database {
  const d1 = translating(binding);
  // One D1 batch is one transaction: all statements commit together or none does.
  const $batch: StatementBatch = async (statements) => {
    if (statements.length === 0) return [];
    const results = await d1.batch(statements.map((s) => d1.prepare(s.sql).bind(...s.params)));
    return results.map(rowsAsArrays);
  };
  return Object.assign(drizzle(d1, { schema }), { $batch }) as unknown as Database;
}
