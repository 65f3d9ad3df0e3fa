// A script refuses its caller by throwing an error with a `status` from 400 to 499
// (`throw Object.assign(new Error("unknown sku"), { status: 404 })`): an embedded call then
// answers that status instead of a 500. Read as the error's own data property, never through a
// getter the script defined.
import { getOwnPropertyDescriptor } from "./captured.ts";

export function rejectionStatus(thrown: object): { status: number } | undefined {
  const own = getOwnPropertyDescriptor(thrown, "status");
  const status: unknown = own && "value" in own ? own.value : undefined;
  return typeof status === "number" && Number.isInteger(status) && status >= 400 && status <= 499 ? { status } : undefined;
}
