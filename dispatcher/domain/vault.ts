// Per-tenant named secrets, encrypted at rest with AES-256-GCM under the host's key. The API
// writes and lists them; only the platform reads values back (for scripts and HMAC checks).
import { and, asc, eq, sql } from "drizzle-orm";
import type { Database } from "../../db/open-remote.ts";
import { secrets } from "../../db/schema.ts";
import type * as z from "zod";
import { AppError, notFound } from "../../protocol/errors.ts";
import type { secretValueRequest } from "../../protocol/schemas/secrets.ts";
import { fromBase64, toBase64 } from "../../protocol/http-envelope.ts";
import { authorOf, requirePermission, type Principal } from "./principal.ts";

const maxValueBytes = 64 * 1024;

export class Vault {
  readonly #db: Database;
  readonly #key: Promise<CryptoKey> | undefined;

  constructor(db: Database, keyBase64: string | undefined) {
    this.#db = db;
    this.#key = keyBase64 ? crypto.subtle.importKey("raw", fromBase64(keyBase64) as BufferSource, "AES-GCM", false, ["encrypt", "decrypt"]) : undefined;
  }

  async #cryptoKey(): Promise<CryptoKey> {
    if (!this.#key) throw new AppError("INTERNAL", "no secrets key is configured (SECRETS_KEY)");
    return this.#key;
  }

  async list(principal: Principal) {
    requirePermission(principal, "scripts.read");
    return this.#db
      .select({ name: secrets.name, updatedAt: secrets.updatedAt, updatedBy: secrets.updatedBy })
      .from(secrets)
      .where(eq(secrets.tenantId, principal.tenant.id))
      .orderBy(asc(secrets.name));
  }

  /** `name` and `body` as the route checked them (protocol/schemas/secrets.ts). */
  async put(principal: Principal, name: string, body: z.output<typeof secretValueRequest>): Promise<{ name: string; updatedAt: string }> {
    requirePermission(principal, "secrets.manage");
    const plain = new TextEncoder().encode(body.value);
    if (plain.byteLength > maxValueBytes) throw new AppError("PAYLOAD_TOO_LARGE", `value is larger than ${maxValueBytes} bytes`, { field: "value" });
    const iv = crypto.getRandomValues(new Uint8Array(12));
    // The tenant and name are authenticated data: a ciphertext copied to another row fails to open.
    const aad = new TextEncoder().encode(`${principal.tenant.id}/${name}`);
    const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv, additionalData: aad }, await this.#cryptoKey(), plain));
    const ciphertext = `v1.${toBase64(iv)}.${toBase64(sealed)}`;
    const updatedAt = new Date().toISOString();
    await this.#db
      .insert(secrets)
      .values({ tenantId: principal.tenant.id, name, ciphertext, updatedAt, updatedBy: authorOf(principal) })
      .onConflictDoUpdate({ target: [secrets.tenantId, secrets.name], set: { ciphertext, updatedAt, updatedBy: authorOf(principal) } });
    return { name, updatedAt };
  }

  async remove(principal: Principal, name: string): Promise<void> {
    requirePermission(principal, "secrets.manage");
    const gone = await this.#db
      .delete(secrets)
      .where(and(eq(secrets.tenantId, principal.tenant.id), eq(secrets.name, name)))
      .returning({ name: secrets.name });
    if (gone.length === 0) throw notFound(`secret ${name}`);
  }

  /** The platform's own read of a value: for scripts of the tenant and for signature checks. */
  async reveal(tenantId: string, name: string): Promise<string | undefined> {
    const [row] = await this.#db
      .select({ ciphertext: secrets.ciphertext })
      .from(secrets)
      .where(and(eq(secrets.tenantId, tenantId), sql`${secrets.name} = ${name}`));
    if (!row) return undefined;
    const [, iv, sealed] = row.ciphertext.split(".");
    const aad = new TextEncoder().encode(`${tenantId}/${name}`);
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: fromBase64(iv!) as BufferSource, additionalData: aad },
      await this.#cryptoKey(),
      fromBase64(sealed!) as BufferSource,
    );
    return new TextDecoder().decode(plain);
  }
}
