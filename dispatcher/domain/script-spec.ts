// What a script's fields may be, checked before anything is stored.
import { AppError, invalid } from "../../protocol/errors.ts";
import { scriptKinds } from "../../db/schema.ts";
import { CronError, isKnownZone, upcoming } from "../../protocol/cron/index.ts";
import { checkAlertRules } from "./alerts.ts";
import type { ScriptCommonFields } from "../../protocol/api.ts";
import { checkScriptSyntax } from "./syntax.ts";
import {
  optionalBoolean,
  optionalEnum,
  optionalInteger,
  optionalString,
  optionalStringList,
  optionalTags,
  requiredString,
  type Body,
} from "./validate.ts";

export { scriptKinds };
export type ScriptKind = (typeof scriptKinds)[number];

export const limits = {
  maxCodeBytes: 1024 * 1024,
  defaultTimeoutMs: 30_000,
  minTimeoutMs: 100,
  maxTimeoutMs: 15 * 60_000,
  defaultMemoryMb: 256,
  minMemoryMb: 16,
} as const;

const httpMethods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] as const;

/** The trigger settings each kind takes, beside the fields every script has. */
export const kindFields: Record<ScriptKind, readonly string[]> = {
  scheduled: ["cron", "timezone", "missedPolicy"],
  http: ["path", "methods", "access", "hmacSecret", "hmacHeader", "hmacScheme"],
  event: ["events", "maxAttempts"],
  manual: [],
  embedded: [],
};

export const commonFields = ["name", "kind", "code", "description", "tags", "enabled", "timeoutMs", "memoryMb", "message", "alerts", "sdkVersion"] as const;

/** SDK versions this platform runs; the newest is the default for new scripts. */
export const supportedSdkVersions = ["1"] as const;

export const nameRule = { max: 100, pattern: /^[A-Za-z0-9][A-Za-z0-9_.-]*$/, patternHint: 'must start with a letter or digit and use only letters, digits, "_", "." and "-"' };

export function checkCode(body: Body): string | undefined {
  const code = body.code;
  if (code === undefined) return undefined;
  if (typeof code !== "string") throw invalid("code", "code must be a string holding an ES module");
  if (new TextEncoder().encode(code).byteLength > limits.maxCodeBytes) {
    throw new AppError("PAYLOAD_TOO_LARGE", `code is larger than the ${limits.maxCodeBytes}-byte cap`, { field: "code" });
  }
  checkScriptSyntax(code);
  return code;
}

export function checkTimeZone(zone: string, field: string): void {
  if (!isKnownZone(zone)) throw invalid(field, `${field} "${zone}" is not a known IANA time zone (like "Europe/Berlin")`);
}

/** A cron expression that parses and runs at least once in the next eight years. */
export function checkCron(cron: string, zone: string, field = "cron"): void {
  try {
    if (upcoming(cron, zone, Date.now(), 1).length === 0) throw invalid(field, `cron "${cron}" never runs (like the 31st of February)`);
  } catch (e) {
    if (e instanceof CronError) throw invalid(field, `cron: ${e.message}`);
    throw e;
  }
}

/**
 * The kind's trigger settings from a body, merged over the stored ones. Required settings
 * must be present once merged.
 */
export function checkKindConfig(kind: ScriptKind, body: Body, stored: Record<string, unknown> = {}): Record<string, unknown> {
  const config: Record<string, unknown> = { ...stored };
  const set = (key: string, value: unknown) => {
    if (value !== undefined) config[key] = value;
  };
  switch (kind) {
    case "scheduled": {
      set("cron", optionalString(body, "cron", { min: 1, max: 200 }));
      const timezone = optionalString(body, "timezone", { min: 1, max: 64 });
      if (timezone) checkTimeZone(timezone, "timezone");
      set("timezone", timezone);
      set("missedPolicy", optionalEnum(body, "missedPolicy", ["catch_up", "skip"]));
      if (config.cron === undefined) throw invalid("cron", "cron is required for a scheduled script (5 fields, like \"0 2 * * *\")");
      config.timezone ??= "UTC";
      checkCron(String(config.cron), String(config.timezone));
      config.missedPolicy ??= "catch_up";
      break;
    }
    case "http": {
      const path = optionalString(body, "path", { min: 1, max: 200, pattern: /^\/[A-Za-z0-9_.:\/-]*$/, patternHint: 'must start with "/" and use only letters, digits, "_", ".", "-", ":" and "/"' });
      set("path", path);
      const methods = optionalStringList(body, "methods", { maxItems: httpMethods.length });
      if (methods) {
        methods.forEach((m, i) => {
          if (!(httpMethods as readonly string[]).includes(m)) throw invalid(`methods[${i}]`, `methods must be among ${httpMethods.join(", ")}`);
        });
        set("methods", [...new Set(methods)]);
      }
      set("access", optionalEnum(body, "access", ["public", "token", "hmac"]));
      set("hmacSecret", optionalString(body, "hmacSecret", { min: 1, max: 64, pattern: /^[A-Za-z_][A-Za-z0-9_]*$/, patternHint: "must name a secret, like STRIPE_WEBHOOK_SECRET" }));
      set("hmacHeader", optionalString(body, "hmacHeader", { min: 1, max: 100, pattern: /^[A-Za-z0-9-]+$/, patternHint: "must be a header name" })?.toLowerCase());
      set("hmacScheme", optionalEnum(body, "hmacScheme", ["sha256-hex", "stripe"]));
      if (config.path === undefined) throw invalid("path", 'path is required for an http script (like "/orders/:id")');
      if (config.access === "hmac" && !config.hmacSecret) throw invalid("hmacSecret", "hmacSecret (the name of the secret that signs requests) is required when access is hmac");
      config.methods ??= ["POST"];
      config.access ??= "token";
      break;
    }
    case "event": {
      const events = optionalStringList(body, "events", { max: 200, pattern: /^[a-z0-9_]+(\.[a-z0-9_]+)*(\.\*)?$|^\*$/, patternHint: 'must be event types like "payment.processed" or prefixes like "payment.*"' });
      set("events", events);
      set("maxAttempts", optionalInteger(body, "maxAttempts", 1, 20));
      if (!Array.isArray(config.events) || config.events.length === 0) throw invalid("events", "events is required for an event script: at least one event type");
      config.maxAttempts ??= 5;
      break;
    }
    case "manual":
    case "embedded":
      break;
  }
  return config;
}

/** The common fields a create or update carried, checked; alerts null means inherit the tenant's. */
export type ScriptFields = Partial<Omit<ScriptCommonFields, "kind" | "code">>;

export function checkCommonFields(body: Body, maxMemoryMb: number): ScriptFields {
  return {
    name: optionalString(body, "name", { min: 1, ...nameRule }),
    description: optionalString(body, "description", { max: 2000 }),
    tags: optionalTags(body),
    enabled: optionalBoolean(body, "enabled"),
    timeoutMs: optionalInteger(body, "timeoutMs", limits.minTimeoutMs, limits.maxTimeoutMs),
    memoryMb: optionalInteger(body, "memoryMb", limits.minMemoryMb, maxMemoryMb),
    message: optionalString(body, "message", { max: 500 }),
    sdkVersion: optionalEnum(body, "sdkVersion", supportedSdkVersions),
    alerts: body.alerts === undefined ? undefined : body.alerts === null ? null : checkAlertRules(body.alerts),
  };
}

export function requireName(body: Body): string {
  return requiredString(body, "name", nameRule);
}
