// A script row with its config typed by its kind. The database types the config column as any
// JSON object; every write of it went through its kind's schema (protocol/schemas), so a row of
// kind K holds K's config. This is the one place that says so to the compiler.
import type { Script } from "../../db/schema.ts";
import type { ScriptConfigs, ScriptKind } from "../../protocol/api.ts";

/** A script of kind K; of several kinds, one of them (a union), so `kind` tells its `config`. */
export type ScriptOf<K extends ScriptKind> = K extends ScriptKind ? Omit<Script, "kind" | "config"> & { kind: K; config: ScriptConfigs[K] } : never;
export type TypedScript = ScriptOf<ScriptKind>;

export function typed(row: Script): TypedScript {
  return row as TypedScript;
}

/** Rows selected by `kind` (the directory's cache is keyed by it). */
export function ofKind<K extends ScriptKind>(rows: readonly TypedScript[], _kind: K): readonly ScriptOf<K>[] {
  return rows as readonly ScriptOf<K>[];
}
