// What a script's `ctx.sdk`, `ctx.kv`, `ctx.secrets` and `ctx.events` calls do. The tenant is
// the one the platform put in the calling isolate's capability, never an argument: a script
// cannot name another tenant, and another tenant's id is simply not found. So is shadow mode: a
// draft being tried calls from an isolate whose capability says so, and only its reads are
// made; every other call is captured (checked, answered plausibly, and not made).
import { and, asc, eq } from "drizzle-orm";
import type { Database } from "../../db/open-remote.ts";
import { memberships, users } from "../../db/schema.ts";
import { AppError, invalid } from "../../protocol/errors.ts";
import { isShadowExecution } from "../../protocol/shadow.ts";
import { eventType } from "../../protocol/schemas/events.ts";
import { entities } from "./data/entities.ts";
import type { DataStore, ListQuery } from "./data/store.ts";
import type { EventService } from "./events.ts";
import type { KvStore } from "./kv.ts";
import { encodeInput, type Background } from "./runs.ts";
import { newId } from "./secrets.ts";
import { capturedWrites, type CapturedWrite } from "./shadow/capture.ts";
import type { Vault } from "./vault.ts";

export interface SdkCaller {
  tenantId: string;
  tenantSlug: string;
  scriptId: string;
  scriptName: string;
  executionId: string;
  /** Set by the runner from the calling isolate's capability: a draft being tried. */
  shadow?: boolean;
}

/** `captured`: a shadow caller's call was answered without being made. */
export type SdkAnswer = { ok: true; value: unknown; captured?: true } | { ok: false; error: { code: string; message: string; field?: string } };

type Handler = (caller: SdkCaller, args: unknown[], background: Background) => Promise<unknown>;

export class SdkBackend {
  readonly #handlers = new Map<string, Handler>();
  /** The calls a shadow caller may make for real: reads only. Anything else is captured. */
  readonly #reads = new Set<string>();
  readonly #captured: Map<string, CapturedWrite>;

  constructor(db: Database, data: DataStore, kv: KvStore, vault: Vault, events: EventService) {
    this.#captured = capturedWrites(Object.values(entities), data, kv);
    const read = (method: string, handler: Handler) => {
      this.#handlers.set(method, handler);
      this.#reads.add(method);
    };
    // The same 1 MB cap as POST /api/events: a script cannot inflate the intake either.
    const publish = (caller: SdkCaller, depth: number, type: string, payload: unknown, background: Background) =>
      events.accept(
        { id: caller.tenantId, slug: caller.tenantSlug },
        { id: newId("evt"), type, payload: encodeInput(payload, "payload"), occurredAt: new Date().toISOString() },
        `script ${caller.scriptName} (${caller.executionId})`,
        background,
        depth,
      );
    // Asked before a write that publishes, so a write refused for its event changes nothing.
    const depthOf = (caller: SdkCaller) => events.depthForPublisher(caller.tenantId, caller.executionId);

    for (const entity of Object.values(entities)) {
      read(`${entity.name}.list`, (c, [query]) => data.list(c.tenantId, entity, (query ?? {}) as ListQuery));
      read(`${entity.name}.get`, async (c, [id]) => (await data.get(c.tenantId, entity, id as string)) ?? null);
      this.#handlers.set(`${entity.name}.create`, async (c, [fields], bg) => {
        const depth = await depthOf(c);
        const row = await data.create(c.tenantId, entity, fields as Record<string, unknown>);
        await publish(c, depth, `${entity.event}.created`, row, bg);
        return row;
      });
      this.#handlers.set(`${entity.name}.update`, async (c, [id, patch], bg) => {
        const depth = await depthOf(c);
        const row = await data.update(c.tenantId, entity, id as string, patch as Record<string, unknown>);
        if (!row) throw new AppError("NOT_FOUND", `${entity.name}: no record ${String(id)}`);
        await publish(c, depth, `${entity.event}.updated`, row, bg);
        return row;
      });
    }
    const tenantUsers = (tenantId: string) =>
      db
        .select({ id: users.id, username: users.username, role: memberships.role })
        .from(memberships)
        .innerJoin(users, eq(users.id, memberships.userId))
        .where(eq(memberships.tenantId, tenantId));
    read("users.list", async (c) => ({ items: await tenantUsers(c.tenantId).orderBy(asc(users.username)), nextCursor: null }));
    read("users.get", async (c, [id]) => {
      if (typeof id !== "string") throw invalid("id", "users.get(id): id must be a string");
      const [row] = await db
        .select({ id: users.id, username: users.username, role: memberships.role })
        .from(memberships)
        .innerJoin(users, eq(users.id, memberships.userId))
        .where(and(eq(memberships.tenantId, c.tenantId), eq(users.id, id)));
      return row ?? null;
    });
    read("kv.get", (c, [key]) => kv.get(c.tenantId, key));
    this.#handlers.set("kv.put", async (c, [key, value, options]) => void (await kv.put(c.tenantId, key, value, options)));
    this.#handlers.set("kv.delete", (c, [key]) => kv.delete(c.tenantId, key));
    read("kv.list", (c, [options]) => kv.list(c.tenantId, options));
    read("secrets.get", async (c, [name]) => {
      if (typeof name !== "string") throw invalid("name", "secrets.get(name): name must be a string");
      return (await vault.reveal(c.tenantId, name)) ?? null;
    });
    this.#handlers.set("events.publish", async (c, [type, payload], bg) => {
      const checked = eventType.safeParse(type);
      if (!checked.success) throw invalid("type", 'events.publish(type, payload): type must be like "order.shipped"');
      const accepted = await publish(c, await depthOf(c), checked.data, payload, bg);
      return { id: accepted.id, deliveries: accepted.deliveries };
    });
  }

  get methods(): string[] {
    return [...this.#handlers.keys()];
  }

  async call(caller: SdkCaller, method: unknown, args: unknown, background: Background): Promise<SdkAnswer> {
    const handler = typeof method === "string" ? this.#handlers.get(method) : undefined;
    try {
      if (!handler) throw new AppError("NOT_FOUND", `the SDK has no method ${String(method)}`);
      if (!Array.isArray(args)) throw invalid("args", "args must be a list");
      // Either mark of a shadow caller is enough: the capability's flag, or a shadow execution id.
      if ((caller.shadow === true || isShadowExecution(caller.executionId)) && !this.#reads.has(method as string)) {
        const capture = this.#captured.get(method as string);
        return { ok: true, value: capture ? await capture(caller.tenantId, args) : null, captured: true };
      }
      return { ok: true, value: await handler(caller, args, background) };
    } catch (error) {
      if (error instanceof AppError && error.isUserError)
        return { ok: false, error: { code: error.code, message: error.message, ...(error.field ? { field: error.field } : {}) } };
      throw error;
    }
  }
}
