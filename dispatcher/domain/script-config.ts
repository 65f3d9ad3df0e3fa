// A script's trigger settings as stored: a request's settings over the stored ones, completed
// with the kind's defaults and checked together (protocol/schemas/script-settings.ts).
import { parseOrThrow } from "../../protocol/schemas/problems.ts";
import { configs, settingsFields, type ScriptConfigs } from "../../protocol/schemas/script-settings.ts";
import type { ScriptKind } from "../../protocol/schemas/scripts.ts";

/** A kind with its config: checking `kind` tells the compiler which config it is. */
export type SettledConfig = { [K in ScriptKind]: { kind: K; config: ScriptConfigs[K] } }[ScriptKind];

/** The settings of `kind` in `given`, over `stored`, as the kind's config. */
export function settleConfig(kind: ScriptKind, given: Partial<Record<string, unknown>>, stored: object = {}): SettledConfig {
  const settings = Object.keys(settingsFields[kind]).filter((key) => given[key] !== undefined);
  const merged = { ...stored, ...Object.fromEntries(settings.map((key) => [key, given[key]])) };
  // Parsed by kind's own schema, so the pair is kind's; the compiler cannot follow the index.
  return { kind, config: parseOrThrow(configs[kind], merged) } as SettledConfig;
}
