// Where the CLI keeps credentials, and how a command finds the server, token and tenant to use.
// Tokens live in the user's config dir, never in a project (which is meant for git): the file is
// written 0600 in a 0700 directory. IOTA_URL, IOTA_TOKEN and IOTA_TENANT override it, for CI.
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { CliError, exitCodes } from "./errors.ts";
import type { Project } from "./project.ts";

export interface StoredConfig {
  /** The server the last `iota login` chose. */
  current?: string;
  /** Tokens per server URL, so one can be logged in to staging and production at once. */
  servers: Record<string, { token: string }>;
}

/** What a command talks to. */
export interface Connection {
  url: string;
  token: string;
  /** Sent as X-Iota-Tenant: a platform admin's token acting in this tenant; the token's own otherwise. */
  tenant: string | undefined;
}

export type Env = Record<string, string | undefined>;

export function configPath(env: Env): string {
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return join(base, "iota", "config.json");
}

export function normaliseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(exitCodes.usage, `${url} is not a URL (like https://scripts.example.com)`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new CliError(exitCodes.usage, `${url} is not an http(s) URL`);
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, "")}`;
}

export async function readConfig(env: Env): Promise<StoredConfig> {
  const path = configPath(env);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { servers: {} };
    throw new CliError(exitCodes.failed, `cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    const parsed = JSON.parse(text) as Partial<StoredConfig>;
    return { ...parsed, servers: parsed.servers ?? {} };
  } catch {
    throw new CliError(exitCodes.failed, `${path} is not valid JSON; delete it and run iota login again`);
  }
}

/** Written whole to a temporary file and renamed, so a crash never leaves half a config. */
export async function writeConfig(env: Env, config: StoredConfig): Promise<string> {
  const path = configPath(env);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  // The mode given to writeFile is filtered by the umask; a token file is for its owner only.
  await chmod(temporary, 0o600);
  await rename(temporary, path);
  return path;
}

/** The server, token and tenant for a command: the environment first, then the project, then the login. */
export async function connect(env: Env, project: Project | undefined): Promise<Connection> {
  const config = await readConfig(env);
  const chosen = env.IOTA_URL ?? project?.url ?? config.current;
  if (!chosen) throw new CliError(exitCodes.auth, "not logged in: run iota login <url>, or set IOTA_URL and IOTA_TOKEN");
  const url = normaliseUrl(chosen);
  const token = env.IOTA_TOKEN ?? config.servers[url]?.token;
  if (!token) throw new CliError(exitCodes.auth, `no token for ${url}: run iota login ${url}, or set IOTA_TOKEN`);
  return { url, token, tenant: env.IOTA_TENANT ?? project?.tenant };
}
