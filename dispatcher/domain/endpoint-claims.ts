// Which path and methods an HTTP script answers is its claim: two enabled scripts of a tenant may
// not claim the same route, or the second would never be reached (a request goes to the most
// specific path, and between equal paths to whichever is found first). Paths are the same route
// when they match the same requests: `/orders/:id` and `/orders/:key/`, `//a` and `/a`.
import { AppError } from "../../protocol/errors.ts";
import type { HttpConfig } from "../../protocol/schemas/script-settings.ts";
import type { SettledConfig } from "./script-config.ts";
import type { ScriptDirectory } from "./script-directory.ts";

/** A path as requests match it (see matchPath): empty segments dropped, parameters unnamed. */
export function routeOf(path: string): string {
  return `/${path
    .split("/")
    .filter(Boolean)
    .map((segment) => (segment.startsWith(":") ? ":" : segment))
    .join("/")}`;
}

function overlap(a: readonly string[], b: readonly string[]): string[] {
  return a.filter((m) => b.includes(m));
}

/**
 * Refuses (409) an enabled HTTP script whose route another enabled script of the tenant already
 * claims with some of the same methods, naming that script and the methods. Anything else (other
 * kinds, a disabled script) claims nothing. `id`: the script being changed, which may keep its own claim.
 */
export async function checkEndpointClaim(
  directory: ScriptDirectory,
  tenantId: string,
  id: string | undefined,
  enabled: boolean,
  settled: SettledConfig,
): Promise<void> {
  if (settled.kind !== "http" || !enabled) return;
  const config: HttpConfig = settled.config;
  const route = routeOf(config.path);
  for (const other of await directory.live(tenantId, "http")) {
    if (other.id === id || !other.enabled || routeOf(other.config.path) !== route) continue;
    const methods = overlap(config.methods, other.config.methods);
    if (methods.length === 0) continue;
    throw new AppError(
      "CONFLICT",
      `script "${other.name}" already answers ${methods.join(", ")} ${other.config.path}${other.config.path === config.path ? "" : ` (the same route as ${config.path})`}: change the path or methods, or disable one of them`,
      { field: "path", details: { scriptId: other.id, scriptName: other.name, path: other.config.path, methods } },
    );
  }
}
