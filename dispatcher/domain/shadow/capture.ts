// What the SDK answers a shadow caller (a draft being tried) for a write it does not make. The
// write is checked exactly as a real one would be (a bad field fails the same way), reads it
// depends on are real, and the answer is what the script would plausibly have got: the created
// record with a new id, the updated record, whether a key existed. Nothing is written.
import { AppError, invalid } from "../../../protocol/errors.ts";
import { eventType } from "../../../protocol/schemas/events.ts";
import type { EntitySpec } from "../data/entities.ts";
import { show, toColumns, type DataStore } from "../data/store.ts";
import { checkKey, checkPut, type KvStore } from "../kv.ts";
import { encodeInput } from "../runs.ts";
import { newId } from "../secrets.ts";

export type CapturedWrite = (tenantId: string, args: unknown[]) => Promise<unknown>;

function created(entity: EntitySpec, fields: unknown): Record<string, unknown> {
  const now = new Date().toISOString();
  // The same id shape the store gives (see LibsqlDataStore.create).
  const id = newId(entity.event.replace(/_/g, "").slice(0, 4));
  return show(entity, { ...toColumns(entity, fields as Record<string, unknown>, true), id, createdAt: now, updatedAt: now });
}

async function updated(data: DataStore, tenantId: string, entity: EntitySpec, id: unknown, patch: unknown): Promise<Record<string, unknown>> {
  if (typeof id !== "string") throw invalid("id", `${entity.name}.update(id, fields): id must be a string`);
  const columns = toColumns(entity, patch as Record<string, unknown>, false);
  const before = await data.get(tenantId, entity, id);
  if (!before) throw new AppError("NOT_FOUND", `${entity.name}: no record ${id}`);
  // The patch as the store would show it (normalised: currencies upper-cased, money as decimals).
  const changed = show(entity, { ...columns, id, createdAt: before.createdAt, updatedAt: new Date().toISOString() });
  const out: Record<string, unknown> = { ...before, updatedAt: changed.updatedAt };
  for (const [field, spec] of Object.entries(entity.fields)) if (spec.column in columns) out[field] = changed[field];
  return out;
}

/** The captured counterpart of every SDK write, by method name. */
export function capturedWrites(entities: Iterable<EntitySpec>, data: DataStore, kv: KvStore): Map<string, CapturedWrite> {
  const writes = new Map<string, CapturedWrite>();
  for (const entity of entities) {
    writes.set(`${entity.name}.create`, async (_tenant, [fields]) => created(entity, fields));
    writes.set(`${entity.name}.update`, (tenant, [id, patch]) => updated(data, tenant, entity, id, patch));
  }
  writes.set("kv.put", async (_tenant, [key, value, options]) => void checkPut(key, value, options));
  // What the delete would have answered: whether there was a live key to delete.
  writes.set("kv.delete", async (tenant, [key]) => (await kv.get(tenant, checkKey(key))) !== null);
  writes.set("events.publish", async (_tenant, [type, payload]) => {
    if (!eventType.safeParse(type).success) throw invalid("type", 'events.publish(type, payload): type must be like "order.shipped"');
    encodeInput(payload, "payload");
    // Nothing was stored, so nothing is delivered.
    return { id: newId("evt"), deliveries: 0 };
  });
  return writes;
}
