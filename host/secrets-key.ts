// The key that seals tenants' secrets: IOTA_SECRETS_KEY (32 bytes, base64) if set, else one
// generated on the first start and kept in DATA_DIR/secrets.key, readable by its owner only.
import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

export async function secretsKey(dataDir: string): Promise<string> {
  const given = process.env.IOTA_SECRETS_KEY;
  if (given) {
    if (Buffer.from(given, "base64").length !== 32) throw new Error("IOTA_SECRETS_KEY must be 32 bytes, base64-encoded (openssl rand -base64 32)");
    return given;
  }
  const file = join(dataDir, "secrets.key");
  const existing = await readFile(file, "utf8").catch(() => undefined);
  if (existing) return existing.trim();
  const key = randomBytes(32).toString("base64");
  await writeFile(file, `${key}\n`, { mode: 0o600, flag: "wx" }).catch(async () => undefined);
  return (await readFile(file, "utf8")).trim();
}
