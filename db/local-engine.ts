// The host's engine for the dispatcher's SQL: one libSQL connection that keeps its prepared
// statements. The dispatcher sends the same few dozen statements over and over, and preparing
// one again (and reading its column list) costs more than running it; @libsql/client does both
// on every call, which made SQL the largest share of the host's CPU under load.
import Database from "libsql";
import type { ProxyQuery, ProxyResult } from "./proxy-protocol.ts";

type Statement = ReturnType<InstanceType<typeof Database>["prepare"]>;

// Statements whose text varies (IN lists of different lengths) would grow the cache without end.
const maxCachedStatements = 500;

function toSqlValue(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === "boolean") return value ? 1 : 0;
  return value;
}

export class LocalSqlEngine {
  readonly #db: InstanceType<typeof Database>;
  readonly #statements = new Map<string, Statement>();

  constructor(file: string) {
    this.#db = new Database(file);
    // journal_mode=WAL is a property of the file (set when it was opened first); the rest are
    // per connection.
    this.#db.exec("PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON;");
  }

  #prepare(sql: string): Statement {
    let statement = this.#statements.get(sql);
    if (statement) {
      // Most recently used goes last, so the first key is the one to drop.
      this.#statements.delete(sql);
    } else {
      statement = this.#db.prepare(sql);
      if (statement.reader) statement.raw(true);
      if (this.#statements.size >= maxCachedStatements) this.#statements.delete(this.#statements.keys().next().value!);
    }
    this.#statements.set(sql, statement);
    return statement;
  }

  #run(q: ProxyQuery): ProxyResult {
    const statement = this.#prepare(q.sql);
    const params = q.params.map(toSqlValue);
    if (!statement.reader) {
      statement.run(params);
      return { rows: [] };
    }
    const rows = statement.all(params) as unknown[][];
    return { rows: q.method === "get" ? rows[0] : rows };
  }

  query(q: ProxyQuery): ProxyResult {
    return this.#run(q);
  }

  /** Runs the statements in one write transaction: all of them land, or none. */
  batch(queries: ProxyQuery[]): ProxyResult[] {
    if (queries.length === 0) return [];
    this.#prepare("BEGIN IMMEDIATE").run([]);
    try {
      const results = queries.map((q) => this.#run(q));
      this.#prepare("COMMIT").run([]);
      return results;
    } catch (error) {
      if (this.#db.inTransaction) this.#prepare("ROLLBACK").run([]);
      throw error;
    }
  }

  close(): void {
    this.#statements.clear();
    this.#db.close();
  }
}
