// A script's settings file (`scripts/<name>.json`): everything about a script but its code and
// name, in a fixed key order with sorted nested keys, so the same settings always make the same
// bytes and a git diff shows only what changed. A file may leave keys out: those are whatever
// the server has (or its defaults, for a new script).
import type { ScriptDetail } from "../protocol/api.ts";
import { failed } from "./errors.ts";

export type Settings = Record<string, unknown>;

/** The keys of a settings file, in the order they are written; the trigger's own under `config`. */
export const settingsKeys = ["kind", "description", "enabled", "tags", "timeoutMs", "memoryMb", "sdkVersion", "alerts", "config"] as const;

/** The settings of a script as the server has them. */
export function settingsOf(script: ScriptDetail): Settings {
  const all: Record<string, unknown> = { ...script };
  const settings: Settings = {};
  for (const key of settingsKeys) if (all[key] !== undefined) settings[key] = all[key];
  if (isEmptyObject(settings.config)) delete settings.config;
  return settings;
}

/** The file's text: a fixed order at the top, nested keys sorted, two spaces, a final newline. */
export function formatSettings(settings: Settings): string {
  const known = settingsKeys.filter((key) => key in settings);
  const others = Object.keys(settings)
    .filter((key) => !(settingsKeys as readonly string[]).includes(key))
    .sort();
  const ordered = Object.fromEntries([...known, ...others].map((key) => [key, canonical(settings[key])]));
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

export function parseSettings(text: string, path: string): Settings {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw failed(`${path} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw failed(`${path} must hold a JSON object of settings`);
  const settings = parsed as Settings;
  if (settings.config !== undefined && (typeof settings.config !== "object" || settings.config === null || Array.isArray(settings.config))) {
    throw failed(`${path}: config must be an object of the trigger's settings`, { field: "config" });
  }
  return settings;
}

/**
 * The settings a local file changes on the server: its top-level keys, and `config.<key>` for
 * each trigger setting, whose values differ. Keys the file leaves out are not changes.
 */
export function changedSettings(local: Settings, remote: Settings): string[] {
  const changed: string[] = [];
  for (const key of Object.keys(local)) {
    if (key === "config") {
      const mine = local.config as Record<string, unknown>;
      const theirs = (remote.config ?? {}) as Record<string, unknown>;
      for (const setting of Object.keys(mine).sort()) if (!same(mine[setting], theirs[setting])) changed.push(`config.${setting}`);
    } else if (!same(local[key], remote[key])) {
      changed.push(key);
    }
  }
  return changed;
}

/** The remote settings cut down to the keys the local file has: what a diff compares the file with. */
export function projectOnto(remote: Settings, local: Settings): Settings {
  const projected: Settings = {};
  for (const key of Object.keys(local)) {
    if (key === "config") {
      const theirs = (remote.config ?? {}) as Record<string, unknown>;
      projected.config = Object.fromEntries(
        Object.keys(local.config as object)
          .filter((k) => k in theirs)
          .map((k) => [k, theirs[k]]),
      );
    } else if (key in remote) {
      projected[key] = remote[key];
    }
  }
  return projected;
}

/**
 * The request fields for `changed` (from changedSettings): the API takes the trigger's settings
 * beside the others, not under `config`.
 */
export function requestFields(local: Settings, changed: string[]): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  const config = (local.config ?? {}) as Record<string, unknown>;
  for (const key of changed) {
    if (key.startsWith("config.")) fields[key.slice("config.".length)] = config[key.slice("config.".length)];
    else fields[key] = local[key];
  }
  return fields;
}

/** Everything a new script is created with. */
export function createFields(local: Settings): Record<string, unknown> {
  const { config, ...rest } = local;
  return { ...rest, ...(config as Record<string, unknown> | undefined) };
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
  );
}

function isEmptyObject(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;
}
