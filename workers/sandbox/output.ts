// A script's return value as the record keeps it: JSON within the output cap, with any secret
// value the execution read masked, as in its logs and errors.
import { runCaps, utf8Bytes, type RunError } from "../../protocol/run.ts";
import { defineProperty, isArray, keys, parse, stringify, toText } from "./captured.ts";
import { mask } from "./sink.ts";

export function encodeOutput(value: unknown, secrets: readonly string[]): { output?: string; error?: RunError } {
  let output: string | undefined;
  try {
    output = stringify(value === undefined ? null : value);
  } catch (e) {
    return { error: { code: "OUTPUT_NOT_SERIALIZABLE", message: `the return value is not JSON-serialisable: ${describe(e)}` } };
  }
  if (typeof output !== "string") {
    return { error: { code: "OUTPUT_NOT_SERIALIZABLE", message: "the return value is not JSON-serialisable (a function or symbol)" } };
  }
  const bytes = output.length > runCaps.maxOutputBytes / 3 ? utf8Bytes(output) : output.length;
  if (bytes > runCaps.maxOutputBytes) {
    return { error: { code: "OUTPUT_TOO_LARGE", message: `the return value is ${bytes} bytes as JSON; the cap is ${runCaps.maxOutputBytes}` } };
  }
  return maskOutput(output, secrets);
}

/**
 * JSON text with every secret value masked. Only text that holds one is rewritten, from the
 * parsed copy (plain data: no getter of the script's runs again), so the result stays JSON.
 */
export function maskOutput(json: string, secrets: readonly string[]): { output?: string; error?: RunError } {
  if (!secrets.some((secret) => json.includes(secret) || json.includes(stringify(secret).slice(1, -1)))) return { output: json };
  try {
    return { output: stringify(masked(parse(json), secrets)) };
  } catch {
    return { error: { code: "OUTPUT_NOT_SERIALIZABLE", message: "the return value holds a secret and is too deeply nested to mask" } };
  }
}

function masked(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === "string") return mask(value, secrets);
  if (typeof value === "number") return mask(toText(value), secrets) === toText(value) ? value : "***";
  if (value === null || typeof value !== "object") return value;
  if (isArray(value)) return value.map((item) => masked(item, secrets));
  const out: Record<string, unknown> = {};
  for (const key of keys(value)) {
    defineProperty(out, mask(key, secrets), {
      value: masked((value as Record<string, unknown>)[key], secrets),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** Never throws, whatever was thrown (a Proxy, an error whose message getter throws). */
export function describe(thrown: unknown): string {
  try {
    return toText((thrown as { message?: unknown })?.message ?? thrown);
  } catch {
    return "an exception that could not be described";
  }
}
