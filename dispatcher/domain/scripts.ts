// Scripts and their versions. Every change of code is a new immutable version; everything else
// about a script (name, tags, limits, trigger settings) is updated in place.
import { and, desc, eq, isNull, or, sql, type SQL } from "drizzle-orm";
import type * as z from "zod";
import type { Database } from "../../db/open-remote.ts";
import { scripts, scriptVersions, tenants, type Script, type ScriptVersion } from "../../db/schema.ts";
import { AppError, invalid, notFound } from "../../protocol/errors.ts";
import type { ScriptConfigs, ScriptDetail, ScriptKind, ScriptSummary, VersionDetail, VersionSummary } from "../../protocol/api.ts";
import type { ScriptLanguage } from "../../protocol/lists.ts";
import { parseOrThrow } from "../../protocol/schemas/problems.ts";
import {
  scriptLimits as limits,
  supportedSdkVersions,
  updateScriptForms,
  type createScriptRequest,
  type rollbackRequest,
  type scriptFilters,
  type updateScriptRequest,
} from "../../protocol/schemas/scripts.ts";
import { authorOf, type Principal } from "./principal.ts";
import { newId, sha256Hex } from "./secrets.ts";
import { isUniqueViolation } from "./db-errors.ts";
import { checkAlertWebhooks } from "./alert-targets.ts";
import { checkEndpointClaim } from "./endpoint-claims.ts";
import { nextSlot } from "./scheduler.ts";
import { settleConfig } from "./script-config.ts";
import type { ScriptDirectory } from "./script-directory.ts";
import { typed, type TypedScript } from "./script-view.ts";
import { compileScript } from "./typescript/index.ts";

type CreateScript = z.output<typeof createScriptRequest>;
type UpdateScript = z.output<typeof updateScriptRequest>;

/** A script as the API shows it: the row without what only the platform keeps. */
export function toSummary(s: TypedScript): ScriptSummary {
  // Destructured rather than listed so `kind` and its `config` stay a pair; a column added to
  // the table must be dropped here or described in ScriptSummary.
  const { tenantId: _tenant, currentVersion, nextRunAt: _next, deletedAt: _deleted, ...summary } = s;
  return { ...summary, version: currentVersion };
}

/** A changed schedule counts from now: no catching up on the past. */
function scheduleChanged(before: TypedScript, config: ScriptConfigs[ScriptKind]): boolean {
  if (before.kind !== "scheduled" || !("cron" in config)) return false;
  return config.cron !== before.config.cron || config.timezone !== before.config.timezone;
}

function toVersionDetail(v: ScriptVersion): VersionDetail {
  return {
    scriptId: v.scriptId,
    number: v.number,
    code: v.code,
    sha256: v.sha256,
    language: v.language,
    author: v.author,
    createdAt: v.createdAt,
    message: v.message,
  };
}

/**
 * A version as a runner loads it: `code` is what runs (a TypeScript version's stripped
 * JavaScript, never its source) and `sha256` keys the runner's isolate for that code.
 */
export interface RunnableVersion {
  number: number;
  code: string;
  sha256: string;
}

export function toRunnable(v: Pick<ScriptVersion, "number" | "code" | "sha256" | "language" | "compiled">): RunnableVersion {
  // The same source as JavaScript and as TypeScript may run differently (`a < b > (c)`).
  return v.compiled === null
    ? { number: v.number, code: v.code, sha256: v.sha256 }
    : { number: v.number, code: v.compiled, sha256: `${v.language}:${v.sha256}` };
}

/** What a new version stores: its source, its language and, for TypeScript, what runs. */
interface NewCode {
  code: string;
  sha256: string;
  language: ScriptLanguage;
  compiled: string | null;
}

const versionCache = new Map<string, RunnableVersion>();
const maxCachedChars = 16 * 1024 * 1024;
let cachedChars = 0;

export class ScriptService {
  readonly #db: Database;
  readonly #maxMemoryMb: number;
  readonly #directory: ScriptDirectory;

  constructor(db: Database, maxMemoryMb: number, directory: ScriptDirectory) {
    this.#db = db;
    this.#maxMemoryMb = maxMemoryMb;
    this.#directory = directory;
  }

  /** The largest memory a script may ask for is the deployment's: its runners' largest tier. */
  #checkMemory(memoryMb: number | undefined): void {
    if (memoryMb !== undefined && memoryMb > this.#maxMemoryMb) {
      throw invalid("memoryMb", `memoryMb must be from ${limits.minMemoryMb} to ${this.#maxMemoryMb} (the runners' largest memory tier)`);
    }
  }

  async create(principal: Principal, fields: CreateScript): Promise<ScriptDetail> {
    const { kind, name, code } = fields;
    const language = fields.language ?? "js";
    this.#checkMemory(fields.memoryMb);
    const compiled = await compileScript(code, language);
    const settled = settleConfig(kind, fields);
    await checkEndpointClaim(this.#directory, principal.tenant.id, undefined, fields.enabled ?? true, settled);
    checkAlertWebhooks(fields.alerts);
    const config = settled.config;
    const id = newId("scr");
    const author = authorOf(principal);
    const sha256 = await sha256Hex(code);
    try {
      await this.#db.batch([
        this.#db.insert(scripts).values({
          id,
          tenantId: principal.tenant.id,
          name,
          kind,
          language,
          description: fields.description ?? "",
          tags: fields.tags ?? {},
          enabled: fields.enabled ?? true,
          timeoutMs: fields.timeoutMs ?? limits.defaultTimeoutMs,
          memoryMb: fields.memoryMb ?? Math.min(limits.defaultMemoryMb, this.#maxMemoryMb),
          config,
          alerts: fields.alerts ?? null,
          sdkVersion: fields.sdkVersion ?? supportedSdkVersions.at(-1)!,
          nextRunAt: settled.kind === "scheduled" && (fields.enabled ?? true) ? nextSlot(settled.config, Date.now()) : null,
          currentVersion: 1,
          createdBy: author,
        }),
        this.#db
          .insert(scriptVersions)
          .values({ scriptId: id, tenantId: principal.tenant.id, number: 1, code, sha256, language, compiled, author, message: fields.message ?? "created" }),
      ]);
    } catch (e) {
      if (isUniqueViolation(e)) throw new AppError("CONFLICT", `a script named "${name}" already exists`, { field: "name" });
      throw e;
    } finally {
      this.#directory.changed(principal.tenant.id);
    }
    return this.get(principal, id);
  }

  async list(principal: Principal, filters: z.output<typeof scriptFilters>): Promise<ScriptSummary[]> {
    const where: SQL[] = [eq(scripts.tenantId, principal.tenant.id), isNull(scripts.deletedAt)];
    if (filters.kind !== undefined) where.push(eq(scripts.kind, filters.kind));
    if (filters.enabled !== undefined) where.push(eq(scripts.enabled, filters.enabled === "true"));
    for (const tag of filters.tag) {
      const colon = tag.indexOf(":");
      const key = tag.slice(0, colon);
      // The key goes into a JSON path as a quoted member name, so no key can change the path.
      const path = `$."${key.replace(/["\\]/g, "")}"`;
      where.push(sql`json_extract(${scripts.tags}, ${path}) = ${tag.slice(colon + 1)}`);
    }
    if (filters.q) {
      const pattern = `%${filters.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      where.push(or(sql`${scripts.name} LIKE ${pattern} ESCAPE '\\'`, sql`${scripts.description} LIKE ${pattern} ESCAPE '\\'`)!);
    }
    const rows = await this.#db
      .select()
      .from(scripts)
      .where(and(...where))
      .orderBy(scripts.name)
      .limit(1000);
    return rows.map((row) => toSummary(typed(row)));
  }

  /** A live script of the caller's tenant; another tenant's id is "not found", like a missing one. */
  async find(principal: Principal, id: string): Promise<TypedScript> {
    const [row] = await this.#db
      .select()
      .from(scripts)
      .where(and(eq(scripts.id, id), eq(scripts.tenantId, principal.tenant.id), isNull(scripts.deletedAt)));
    if (!row) throw notFound("script");
    return typed(row);
  }

  /**
   * What a queued execution needs to start: its script (even if since deleted or disabled),
   * the version it was recorded with, and the tenant's slug.
   */
  async forExecution(
    tenantId: string,
    scriptId: string,
    number: number,
    kind?: ScriptKind,
  ): Promise<{ script: TypedScript; version: RunnableVersion; tenantSlug: string } | undefined> {
    // Event deliveries and schedule slots start many times a second: their live script and
    // tenant come from the caches when they can. A script gone from there is read below.
    const cached = await this.#directory.find(tenantId, kind, scriptId);
    if (cached) return { script: cached.script, tenantSlug: cached.tenant.slug, version: await this.immutableVersion(tenantId, scriptId, number) };
    const [row] = await this.#db
      .select({ script: scripts, version: scriptVersions, tenantSlug: tenants.slug })
      .from(scripts)
      .innerJoin(scriptVersions, and(eq(scriptVersions.scriptId, scripts.id), eq(scriptVersions.number, number)))
      .innerJoin(tenants, eq(tenants.id, scripts.tenantId))
      .where(and(eq(scripts.id, scriptId), eq(scripts.tenantId, tenantId)));
    if (!row) return undefined;
    return { script: typed(row.script), tenantSlug: row.tenantSlug, version: toRunnable(row.version) };
  }

  /**
   * A version's code for running it. Versions never change (the database refuses it), so this
   * isolate keeps the most recently used ones instead of reading them for every call.
   */
  async immutableVersion(tenantId: string, scriptId: string, number: number): Promise<RunnableVersion> {
    const key = `${tenantId}:${scriptId}:${number}`;
    const hit = versionCache.get(key);
    if (hit) {
      versionCache.delete(key);
      versionCache.set(key, hit);
      return hit;
    }
    const [row] = await this.#db
      .select()
      .from(scriptVersions)
      .where(and(eq(scriptVersions.scriptId, scriptId), eq(scriptVersions.tenantId, tenantId), eq(scriptVersions.number, number)));
    if (!row) throw notFound(`version ${number}`);
    const version = toRunnable(row);
    versionCache.set(key, version);
    cachedChars += version.code.length;
    // Bounded by the code it holds, oldest use first out.
    while (cachedChars > maxCachedChars) {
      const [oldest, old] = versionCache.entries().next().value!;
      versionCache.delete(oldest);
      cachedChars -= old.code.length;
    }
    return version;
  }

  async get(principal: Principal, id: string): Promise<ScriptDetail> {
    const script = await this.find(principal, id);
    const version = await this.version(principal, id, script.currentVersion);
    return { ...toSummary(script), code: version.code, sha256: version.sha256 };
  }

  async update(principal: Principal, id: string, body: UpdateScript): Promise<ScriptDetail> {
    const script = await this.find(principal, id);
    if (body.kind !== undefined && body.kind !== script.kind) throw invalid("kind", "kind cannot be changed; create a new script instead");
    // The route took any kind's settings; this script takes its own kind's only.
    const fields = parseOrThrow(updateScriptForms[script.kind], body);
    this.#checkMemory(fields.memoryMb);
    const current = await this.version(principal, id, script.currentVersion);
    const next = await this.#newCode(current, fields.code, fields.language);
    const settled = settleConfig(script.kind, fields, script.config);
    const config = settled.config;
    const now = new Date().toISOString();
    const enabled = fields.enabled ?? script.enabled;
    await checkEndpointClaim(this.#directory, principal.tenant.id, id, enabled, settled);
    checkAlertWebhooks(fields.alerts);
    // A changed schedule, or one switched on again, counts from now: no catching up on the past.
    const rescheduled = script.kind === "scheduled" && (scheduleChanged(script, config) || enabled !== script.enabled);
    const changes = {
      ...(rescheduled && settled.kind === "scheduled" ? { nextRunAt: enabled ? nextSlot(settled.config, Date.now()) : null } : {}),
      ...(fields.name !== undefined ? { name: fields.name } : {}),
      ...(fields.description !== undefined ? { description: fields.description } : {}),
      ...(fields.tags !== undefined ? { tags: fields.tags } : {}),
      ...(fields.enabled !== undefined ? { enabled: fields.enabled } : {}),
      ...(fields.timeoutMs !== undefined ? { timeoutMs: fields.timeoutMs } : {}),
      ...(fields.memoryMb !== undefined ? { memoryMb: fields.memoryMb } : {}),
      ...(fields.alerts !== undefined ? { alerts: fields.alerts } : {}),
      ...(fields.sdkVersion !== undefined ? { sdkVersion: fields.sdkVersion } : {}),
      config,
      updatedAt: now,
    };
    try {
      if (next) {
        await this.#addVersion(principal, script, next, fields.message ?? "", changes);
      } else {
        await this.#db
          .update(scripts)
          .set(changes)
          .where(and(eq(scripts.id, id), eq(scripts.tenantId, principal.tenant.id)));
      }
    } catch (e) {
      if (isUniqueViolation(e)) throw new AppError("CONFLICT", `a script named "${fields.name}" already exists`, { field: "name" });
      throw e;
    } finally {
      this.#directory.changed(principal.tenant.id);
    }
    return this.get(principal, id);
  }

  async remove(principal: Principal, id: string): Promise<void> {
    await this.find(principal, id);
    try {
      await this.#db
        .update(scripts)
        .set({ deletedAt: new Date().toISOString(), enabled: false })
        .where(and(eq(scripts.id, id), eq(scripts.tenantId, principal.tenant.id)));
    } finally {
      this.#directory.changed(principal.tenant.id);
    }
  }

  async versions(principal: Principal, id: string): Promise<VersionSummary[]> {
    await this.find(principal, id);
    return this.#db
      .select({
        number: scriptVersions.number,
        sha256: scriptVersions.sha256,
        language: scriptVersions.language,
        author: scriptVersions.author,
        createdAt: scriptVersions.createdAt,
        message: scriptVersions.message,
      })
      .from(scriptVersions)
      .where(and(eq(scriptVersions.scriptId, id), eq(scriptVersions.tenantId, principal.tenant.id)))
      .orderBy(desc(scriptVersions.number));
  }

  async version(principal: Principal, id: string, number: number): Promise<VersionDetail> {
    const [row] = await this.#db
      .select()
      .from(scriptVersions)
      .where(and(eq(scriptVersions.scriptId, id), eq(scriptVersions.tenantId, principal.tenant.id), eq(scriptVersions.number, number)));
    if (!row) throw notFound(`version ${number}`);
    return toVersionDetail(row);
  }

  /**
   * Rollback never rewrites history: it adds a version carrying the old code, in its language,
   * with what was stripped from it then (it was checked when it was saved).
   */
  async rollback(principal: Principal, id: string, body: z.output<typeof rollbackRequest>): Promise<ScriptDetail> {
    const number = body.version;
    const script = await this.find(principal, id);
    const [target] = await this.#db
      .select({ code: scriptVersions.code, sha256: scriptVersions.sha256, language: scriptVersions.language, compiled: scriptVersions.compiled })
      .from(scriptVersions)
      .where(and(eq(scriptVersions.scriptId, id), eq(scriptVersions.tenantId, principal.tenant.id), eq(scriptVersions.number, number)));
    if (!target) throw notFound(`version ${number}`);
    const message = body.message || `rollback to version ${number}`;
    await this.#addVersion(principal, script, target, message, { updatedAt: new Date().toISOString() });
    return this.get(principal, id);
  }

  /**
   * What a new version would store, or undefined when neither the source nor its language
   * changes (then no version is made). Checked (and stripped) before anything is written.
   */
  async #newCode(current: VersionDetail, code: string | undefined, language: ScriptLanguage | undefined): Promise<NewCode | undefined> {
    const source = code ?? current.code;
    const lang = language ?? current.language;
    const sha256 = code === undefined ? current.sha256 : await sha256Hex(code);
    if (sha256 === current.sha256 && lang === current.language) return undefined;
    return { code: source, sha256, language: lang, compiled: await compileScript(source, lang) };
  }

  // The version row and the script's pointer move in one transaction; the number is computed
  // inside it, so two concurrent saves get two numbers, never one.
  async #addVersion(principal: Principal, script: Script, next: NewCode, message: string, changes: Partial<Script>): Promise<void> {
    try {
      await this.#addVersionRows(principal, script, next, message, changes);
    } finally {
      this.#directory.changed(principal.tenant.id);
    }
  }

  async #addVersionRows(principal: Principal, script: Script, next: NewCode, message: string, changes: Partial<Script>): Promise<void> {
    await this.#db.batch([
      this.#db.insert(scriptVersions).values({
        scriptId: script.id,
        tenantId: principal.tenant.id,
        number: sql`(SELECT current_version + 1 FROM scripts WHERE id = ${script.id})`,
        code: next.code,
        sha256: next.sha256,
        language: next.language,
        compiled: next.compiled,
        author: authorOf(principal),
        message,
      }),
      this.#db
        .update(scripts)
        .set({ ...changes, language: next.language, currentVersion: sql`${scripts.currentVersion} + 1` })
        .where(and(eq(scripts.id, script.id), eq(scripts.tenantId, principal.tenant.id))),
    ]);
  }
}
