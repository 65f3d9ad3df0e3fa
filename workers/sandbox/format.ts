// Turns console arguments into one line of text, the way a developer expects from a console:
// strings as they are, errors with their stack, everything else as compact JSON. Called after
// user code ran, so it reaches JSON, Error and friends through captured references only.
import { objectToString, PlatformError, PlatformWeakSet, stringify, toText } from "./captured.ts";

export function formatLogArgs(args: unknown[]): string {
  return args.map(formatOne).join(" ");
}

function formatOne(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof PlatformError) return value.stack ?? `${value.name}: ${value.message}`;
  if (value === undefined) return "undefined";
  if (typeof value === "function") return `[Function ${value.name || "anonymous"}]`;
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "symbol") return toText(value);
  try {
    const seen = new PlatformWeakSet<object>();
    const json = stringify(value, (_key, v: unknown) => {
      if (typeof v === "bigint") return `${v}n`;
      if (typeof v === "object" && v !== null) {
        if (seen.has(v)) return "[Circular]";
        seen.add(v);
      }
      return v;
    });
    return json ?? toText(value);
  } catch {
    return objectToString(value);
  }
}
