// The script's view of the platform: `ctx.sdk`, `ctx.kv`, `ctx.secrets`, `ctx.events`, each
// call forwarded to the tenant's SDK capability. Built from plain frozen objects, so nothing a
// script reaches through them leads back to the harness or the capability itself.
import type { ScriptSdk } from "../sdk/index.ts";
import { freeze } from "./captured.ts";

export type SdkStub = { call(executionId: string, capabilityKey: string, method: string, args: unknown[]): Promise<unknown> };

/** An SDK refusal, with the platform's code (`VALIDATION_FAILED`, `NOT_FOUND`, ...). */
export class SdkError extends Error {
  override name = "SdkError";
  readonly code: string;
  /** The field at fault, for validation errors. */
  readonly field: string | undefined;
  constructor(code: string, message: string, field?: string) {
    super(message);
    this.code = code;
    this.field = field;
  }
}

export const entityNames = ["clients", "accounts", "payments", "expenses", "transactions"] as const;

/** Calls kept for old scripts, each with what to use instead. */
export const deprecatedCalls: Record<string, { replacement: string; method: string }> = {
  "kv.set": { replacement: "ctx.kv.put", method: "kv.put" },
};

export interface SdkHooks {
  call(method: string, args: unknown[]): Promise<unknown>;
  warn(message: string): void;
  revealed(value: string): void;
}

export function makeSdk(hooks: SdkHooks): ScriptSdk {
  const call =
    (method: string) =>
    (...args: unknown[]) =>
      hooks.call(method, args);
  const deprecated = (name: string) => {
    const d = deprecatedCalls[name]!;
    return (...args: unknown[]) => {
      hooks.warn(`ctx.${name}() is deprecated and will be removed in SDK version 2; use ${d.replacement}() instead`);
      return hooks.call(d.method, args);
    };
  };
  const repo = (name: string, writable: boolean) =>
    freeze({
      list: call(`${name}.list`),
      get: call(`${name}.get`),
      ...(writable ? { create: call(`${name}.create`), update: call(`${name}.update`) } : {}),
    });
  const data: Record<string, unknown> = { users: repo("users", false) };
  for (const name of entityNames) data[name] = repo(name, true);
  return freeze({
    sdk: freeze(data),
    kv: freeze({ get: call("kv.get"), put: call("kv.put"), delete: call("kv.delete"), list: call("kv.list"), set: deprecated("kv.set") }),
    secrets: freeze({
      get: async (name: string) => {
        const value = await hooks.call("secrets.get", [name]);
        if (typeof value === "string") hooks.revealed(value);
        return value;
      },
    }),
    events: freeze({ publish: call("events.publish") }),
  }) as unknown as ScriptSdk;
}
