// The data layer behind the SDK's repositories. `DataStore` is the seam: this libSQL store keeps
// the entities beside the scripts; a deployment could put one that calls the platform's own API.
import { and, asc, eq, gt, gte, lte, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Database } from "../../../db/open-remote.ts";
import { invalid } from "../../../protocol/errors.ts";
import { newId } from "../secrets.ts";
import type { EntitySpec } from "./entities.ts";
import { fromColumn, toColumn } from "./fields.ts";

export type Row = Record<string, unknown> & { id: string; createdAt: string; updatedAt: string };

export interface ListQuery {
  limit?: number;
  cursor?: string;
  since?: string;
  until?: string;
  where?: Record<string, unknown>;
}

export interface DataStore {
  list(tenantId: string, entity: EntitySpec, query: ListQuery): Promise<{ items: Row[]; nextCursor: string | null }>;
  get(tenantId: string, entity: EntitySpec, id: string): Promise<Row | undefined>;
  create(tenantId: string, entity: EntitySpec, data: Record<string, unknown>): Promise<Row>;
  update(tenantId: string, entity: EntitySpec, id: string, patch: Record<string, unknown>): Promise<Row | undefined>;
}

function columns(entity: EntitySpec): Record<string, SQLiteColumn> {
  return entity.table as unknown as Record<string, SQLiteColumn>;
}

/** A stored row as scripts see it. */
export function show(entity: EntitySpec, stored: Record<string, unknown>): Row {
  const out: Record<string, unknown> = { id: stored.id };
  for (const [field, spec] of Object.entries(entity.fields)) out[field] = fromColumn(spec, stored[spec.column]);
  out.createdAt = stored.createdAt;
  out.updatedAt = stored.updatedAt;
  return out as Row;
}

/** Checks a script's values; unknown fields are refused so that a typo is never silently lost. */
export function toColumns(entity: EntitySpec, data: Record<string, unknown>, creating: boolean): Record<string, unknown> {
  if (typeof data !== "object" || data === null || Array.isArray(data)) throw invalid("data", `${entity.name}: pass an object of fields`);
  const out: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(data)) {
    const spec = entity.fields[field];
    if (!spec) throw invalid(field, `${entity.name} has no field "${field}"; fields: ${Object.keys(entity.fields).join(", ")}`);
    if (value === undefined) continue;
    out[spec.column] = toColumn(entity.name, field, spec, value);
  }
  if (creating) {
    // Sensible defaults a bookkeeper expects: today, and the month of the transaction.
    if (entity.fields.transactionDate && out.transactionDate === undefined) out.transactionDate = new Date().toISOString().slice(0, 10);
    if (entity.fields.accountingPeriod && out.accountingPeriod === undefined && typeof out.transactionDate === "string")
      out.accountingPeriod = out.transactionDate.slice(0, 7);
    for (const [field, spec] of Object.entries(entity.fields)) {
      if (spec.required && (out[spec.column] === undefined || out[spec.column] === null)) throw invalid(field, `${entity.name}.${field} is required`);
    }
  }
  return out;
}

export class LibsqlDataStore implements DataStore {
  readonly #db: Database;

  constructor(db: Database) {
    this.#db = db;
  }

  async list(tenantId: string, entity: EntitySpec, q: ListQuery) {
    const c = columns(entity);
    const where: SQL[] = [eq(c.tenantId!, tenantId)];
    const limit = q.limit ?? 50;
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw invalid("limit", "limit must be a whole number from 1 to 500");
    for (const [field, value] of Object.entries(q.where ?? {})) {
      if (!entity.filters.includes(field)) throw invalid(field, `${entity.name} can be filtered by: ${entity.filters.join(", ")}, since, until`);
      const spec = entity.fields[field]!;
      where.push(eq(c[spec.column]!, toColumn(entity.name, field, spec, value) as string));
    }
    if (q.since !== undefined || q.until !== undefined) {
      if (!entity.dateField) throw invalid("since", `${entity.name} has no date to filter on`);
      const spec = entity.fields[entity.dateField]!;
      if (q.since !== undefined) where.push(gte(c[spec.column]!, toColumn(entity.name, "since", spec, q.since) as string));
      if (q.until !== undefined) where.push(lte(c[spec.column]!, toColumn(entity.name, "until", spec, q.until) as string));
    }
    if (q.cursor !== undefined) {
      if (typeof q.cursor !== "string") throw invalid("cursor", "cursor must be the nextCursor of a previous page");
      where.push(gt(c.id!, q.cursor));
    }
    const rows = (await this.#db
      .select()
      .from(entity.table)
      .where(and(...where))
      .orderBy(asc(c.id!))
      .limit(limit + 1)) as Record<string, unknown>[];
    const items = rows.slice(0, limit).map((r) => show(entity, r));
    return { items, nextCursor: rows.length > limit ? items.at(-1)!.id : null };
  }

  async get(tenantId: string, entity: EntitySpec, id: string) {
    if (typeof id !== "string") throw invalid("id", `${entity.name}.get(id): id must be a string`);
    const c = columns(entity);
    const [row] = (await this.#db
      .select()
      .from(entity.table)
      .where(and(eq(c.id!, id), eq(c.tenantId!, tenantId)))) as Record<string, unknown>[];
    return row && show(entity, row);
  }

  async create(tenantId: string, entity: EntitySpec, data: Record<string, unknown>) {
    const values = { ...toColumns(entity, data, true), id: newId(entity.event.replace(/_/g, "").slice(0, 4)), tenantId };
    const [row] = (await this.#db
      .insert(entity.table)
      .values(values as never)
      .returning()) as Record<string, unknown>[];
    return show(entity, row!);
  }

  async update(tenantId: string, entity: EntitySpec, id: string, patch: Record<string, unknown>) {
    if (typeof id !== "string") throw invalid("id", `${entity.name}.update(id, fields): id must be a string`);
    const values = toColumns(entity, patch, false);
    const c = columns(entity);
    const [row] = (await this.#db
      .update(entity.table)
      .set({ ...values, updatedAt: new Date().toISOString() } as never)
      .where(and(eq(c.id!, id), eq(c.tenantId!, tenantId)))
      .returning()) as Record<string, unknown>[];
    return row && show(entity, row);
  }
}
