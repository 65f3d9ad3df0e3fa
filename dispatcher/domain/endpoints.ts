// HTTP-endpoint scripts: which script answers a path and method, and whether the caller may
// call it (public, an API token of the tenant, or an HMAC signature over the body).
import type { Tenant } from "../../db/schema.ts";
import { AppError } from "../../protocol/errors.ts";
import type { Principal } from "./principal.ts";
import { requirePermission } from "./principal.ts";
import type { ScriptDirectory } from "./script-directory.ts";
import type { ScriptOf } from "./script-view.ts";
import type { TokenService } from "./tokens.ts";
import type { Vault } from "./vault.ts";

type HttpScript = ScriptOf<"http">;
export type Match = { script: HttpScript; params: Record<string, string> } | { allow: string[] } | undefined;

/** Static segments beat parameters; the most specific path wins. */
function specificity(path: string): number {
  return path.split("/").reduce((n, seg) => n * 2 + (seg.startsWith(":") ? 0 : 1), 1);
}

export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split("/").filter(Boolean);
  const got = path.split("/").filter(Boolean);
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i]!.startsWith(":")) {
      try {
        params[want[i]!.slice(1)] = decodeURIComponent(got[i]!);
      } catch {
        return undefined;
      }
    } else if (want[i] !== got[i]) return undefined;
  }
  return params;
}

export class EndpointService {
  readonly #directory: ScriptDirectory;
  readonly #tokens: TokenService;
  readonly #vault: Vault;

  constructor(directory: ScriptDirectory, tokens: TokenService, vault: Vault) {
    this.#directory = directory;
    this.#tokens = tokens;
    this.#vault = vault;
  }

  async match(tenantId: string, path: string, method: string): Promise<Match> {
    const candidates = (await this.#directory.live(tenantId, "http")).filter((s) => s.enabled);
    const matching = candidates
      .map((script) => ({ script, params: matchPath(script.config.path, path) }))
      .filter((m): m is { script: HttpScript; params: Record<string, string> } => m.params !== undefined)
      .sort((a, b) => specificity(b.script.config.path) - specificity(a.script.config.path));
    if (matching.length === 0) return undefined;
    const wanted = method === "HEAD" ? ["HEAD", "GET"] : [method];
    const hit = matching.find((m) => m.script.config.methods.some((x) => wanted.includes(x)));
    if (hit) return hit;
    return { allow: [...new Set(matching.flatMap((m) => m.script.config.methods))].sort() };
  }

  /** Refuses a caller the script's access setting does not let in. */
  async authorise(script: HttpScript, tenant: Tenant, request: Request, readBody: () => Promise<Uint8Array>): Promise<void> {
    const config = script.config;
    if (config.access === "public") return;
    if (config.access === "token") {
      const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.get("authorization") ?? "");
      const principal: Principal | undefined = match ? await this.#tokens.authenticate(match[1]!) : undefined;
      if (!principal || principal.tenant.id !== tenant.id)
        throw new AppError("UNAUTHENTICATED", "this endpoint needs an API token of its tenant: Authorization: Bearer <token>");
      requirePermission(principal, "scripts.execute");
      return;
    }
    const secret = config.hmacSecret ? await this.#vault.reveal(tenant.id, config.hmacSecret) : undefined;
    if (!secret) throw new AppError("FORBIDDEN", "this endpoint's signing secret is not set up");
    const headerName = config.hmacHeader ?? (config.hmacScheme === "stripe" ? "stripe-signature" : "x-signature");
    const problem = await signatureProblem(config.hmacScheme ?? "sha256-hex", secret, headerName, request.headers.get(headerName), await readBody());
    if (problem) throw new AppError("UNAUTHENTICATED", problem);
  }
}

async function hmacHex(secret: string, data: Uint8Array): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, data as BufferSource));
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function sameText(a: string, b: string): boolean {
  let diff = a.length ^ b.length;
  for (let i = 0; i < Math.max(a.length, b.length); i++) diff |= (a.charCodeAt(i) || 0) ^ (b.charCodeAt(i) || 0);
  return diff === 0;
}

/** How each scheme signs, for the messages that say a signature is missing or malformed. */
const howSigned = {
  "sha256-hex": "the hex HMAC-SHA256 of the body with the endpoint's secret (optionally prefixed sha256=)",
  stripe: 't=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the endpoint\'s secret>',
};
const maxSignatureAgeSeconds = 300;

/**
 * Why a signed endpoint refuses a request, or undefined when its signature is good: the header
 * missing, malformed, too old, or not matching. `sha256-hex`: the header is the hex HMAC-SHA256
 * of the body, optionally prefixed `sha256=` (GitHub's form). `stripe`: `t=<unix seconds>,v1=<hex>`
 * over `<t>.<body>`, at most five minutes from now, so a captured request cannot be replayed later.
 */
export async function signatureProblem(
  scheme: "sha256-hex" | "stripe",
  secret: string,
  headerName: string,
  header: string | null,
  body: Uint8Array,
  now = Date.now(),
): Promise<string | undefined> {
  if (header === null || header.trim() === "") return `the request has no ${headerName} header: this endpoint takes requests signed with ${howSigned[scheme]}`;
  if (scheme === "sha256-hex") {
    const given = header
      .trim()
      .replace(/^sha256=/i, "")
      .toLowerCase();
    if (given.length > 0 && sameText(given, await hmacHex(secret, body))) return undefined;
    return `the ${headerName} signature does not match the request's body: sign the exact bytes sent with the endpoint's secret`;
  }
  const parts = Object.fromEntries(header.split(",").map((p) => p.trim().split("=", 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1) return `the ${headerName} header must be ${howSigned.stripe}`;
  const skew = Math.round(now / 1000 - t);
  if (Math.abs(skew) > maxSignatureAgeSeconds) {
    return `the ${headerName} timestamp t=${t} is ${Math.abs(skew)} s ${skew > 0 ? "old" : "ahead of this server's clock"}; a signature is accepted for ${maxSignatureAgeSeconds / 60} minutes: sign each request when it is sent`;
  }
  const signed = new Uint8Array([...new TextEncoder().encode(`${t}.`), ...body]);
  if (sameText(parts.v1.toLowerCase(), await hmacHex(secret, signed))) return undefined;
  return `the ${headerName} signature does not match its timestamp and the request's body: sign "<t>.<body>" with the endpoint's secret`;
}
