// A script's trigger settings as stored: a request's settings over the stored ones, completed
// with the kind's defaults and checked together (protocol/schemas/script-settings.ts).
import { parseOrThrow } from "../../protocol/schemas/problems.ts";
import { configs, settingsFields, type ScriptConfigs } from "../../protocol/schemas/script-settings.ts";
import type { ScriptKind } from "../../protocol/schemas/scripts.ts";

/** The settings of `kind` in `given`, over `stored`, as the kind's config. */
export function settleConfig(kind: ScriptKind, given: Partial<Record<string, unknown>>, stored: object = {}): ScriptConfigs[ScriptKind] {
  const settings = Object.keys(settingsFields[kind]).filter((key) => given[key] !== undefined);
  const merged = { ...stored, ...Object.fromEntries(settings.map((key) => [key, given[key]])) };
  return parseOrThrow(configs[kind], merged);
}
