// A scripts-as-code directory: `iota.json` names the server and tenant, `scripts/` holds each
// script as its code plus a settings file, and `iota.lock.json` remembers which server version
// each file was last pulled or pushed as, so a push can tell a conflicting remote change.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { CliError, exitCodes } from "./errors.ts";
import { codeExtensions } from "./languages.ts";

export const projectFile = "iota.json";
export const lockFile = "iota.lock.json";
export const scriptsDir = "scripts";

export interface Project {
  root: string;
  url: string | undefined;
  tenant: string | undefined;
}

/** What the lock keeps per script: the server's identity of it and the files as last synced. */
export interface LockEntry {
  id: string;
  version: number;
  updatedAt: string;
  /** sha256 of the code and settings files as last pulled or pushed: local edits show as a difference. */
  codeSha256: string;
  settingsSha256: string;
}

export type Lock = Record<string, LockEntry>;

/** One script as files. */
export interface LocalScript {
  name: string;
  codePath: string;
  code: string;
  settingsPath: string;
  settingsText: string;
}

export const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** The project holding `from` (iota.json here or in a parent), or undefined. */
export async function findProject(from: string): Promise<Project | undefined> {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, projectFile);
    if (existsSync(file)) {
      let parsed: { url?: unknown; tenant?: unknown };
      try {
        parsed = JSON.parse(await readFile(file, "utf8"));
      } catch {
        throw new CliError(exitCodes.usage, `${file} is not valid JSON`);
      }
      return { root: dir, url: typeof parsed.url === "string" ? parsed.url : undefined, tenant: typeof parsed.tenant === "string" ? parsed.tenant : undefined };
    }
    if (dirname(dir) === dir) return undefined;
  }
}

export async function requireProject(from: string): Promise<Project> {
  const project = await findProject(from);
  if (!project) throw new CliError(exitCodes.usage, `no ${projectFile} here or in a parent directory: run iota init first`);
  return project;
}

/** Paths as people read them: relative to the project. */
export const shown = (project: Project, path: string) => relative(project.root, path) || ".";

export async function readLock(project: Project): Promise<Lock> {
  try {
    return (JSON.parse(await readFile(join(project.root, lockFile), "utf8")) as { scripts?: Lock }).scripts ?? {};
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new CliError(exitCodes.failed, `${lockFile} is not valid JSON: restore it from git, or pull again`);
  }
}

/** Sorted by name, one script per block: merges of two pulls read like the scripts they touched. */
export async function writeLock(project: Project, lock: Lock): Promise<void> {
  const scripts = Object.fromEntries(
    Object.keys(lock)
      .sort()
      .map((name) => [name, lock[name]]),
  );
  await writeAtomically(join(project.root, lockFile), `${JSON.stringify({ scripts }, null, 2)}\n`);
}

/** Every script in scripts/: a `<name>.json` settings file with its `<name>.js` (or `.ts`) beside it. */
export async function readLocalScripts(project: Project): Promise<Map<string, LocalScript>> {
  const dir = join(project.root, scriptsDir);
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return new Map();
    throw e;
  }
  const present = new Set(entries);
  const scripts = new Map<string, LocalScript>();
  for (const entry of entries.sort()) {
    if (!entry.endsWith(".json")) continue;
    const name = entry.slice(0, -".json".length);
    const codes = codeExtensions.map((ext) => `${name}.${ext}`).filter((file) => present.has(file));
    if (codes.length === 0)
      throw new CliError(exitCodes.failed, `${scriptsDir}/${entry} has no code beside it (${codeExtensions.map((ext) => `${name}.${ext}`).join(" or ")})`);
    if (codes.length > 1) throw new CliError(exitCodes.failed, `${scriptsDir}/${name} has ${codes.join(" and ")}: keep one`);
    const codePath = join(dir, codes[0]!);
    const settingsPath = join(dir, entry);
    scripts.set(name, { name, codePath, code: await readFile(codePath, "utf8"), settingsPath, settingsText: await readFile(settingsPath, "utf8") });
  }
  return scripts;
}

export async function writeAtomically(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, path);
}
