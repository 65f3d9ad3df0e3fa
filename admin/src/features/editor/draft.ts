// The editor's form: a script's settings as the user edits them, what a save sends, and the
// checks we can make before asking the server (which checks everything again).
import type {
  CreateScriptRequest,
  HttpAccess,
  HttpMethod,
  MissedPolicy,
  ScriptCommonFields,
  ScriptDetail,
  ScriptKind,
  ScriptSettings,
  UpdateScriptRequest,
} from "../../../../protocol/api.ts";

export const httpMethods: readonly HttpMethod[] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

export interface Draft {
  name: string;
  kind: ScriptKind;
  description: string;
  tags: { key: string; value: string }[];
  enabled: boolean;
  timeoutMs: string;
  memoryMb: string;
  cron: string;
  timezone: string;
  missedPolicy: MissedPolicy;
  path: string;
  methods: HttpMethod[];
  access: HttpAccess;
  events: string;
  maxAttempts: string;
}

const localZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
const str = (v: unknown, fallback: string) => (typeof v === "string" ? v : fallback);

export function draftOf(script?: ScriptDetail): Draft {
  const c = script?.config ?? {};
  return {
    name: script?.name ?? "",
    kind: script?.kind ?? "manual",
    description: script?.description ?? "",
    tags: Object.entries(script?.tags ?? {}).map(([key, value]) => ({ key, value })),
    enabled: script?.enabled ?? true,
    timeoutMs: String(script?.timeoutMs ?? 30_000),
    memoryMb: String(script?.memoryMb ?? 256),
    cron: str(c.cron, "0 2 * * *"),
    timezone: str(c.timezone, localZone()),
    missedPolicy: c.missedPolicy === "skip" ? "skip" : "catch_up",
    path: str(c.path, ""),
    // Stored settings were checked when they were saved.
    methods: Array.isArray(c.methods) ? (c.methods.map(String) as HttpMethod[]) : ["POST"],
    access: c.access === "public" || c.access === "hmac" ? c.access : "token",
    events: Array.isArray(c.events) ? c.events.map(String).join(", ") : "",
    maxAttempts: String(typeof c.maxAttempts === "number" ? c.maxAttempts : 5),
  };
}

const splitList = (text: string) => text.split(/[\s,]+/).filter(Boolean);

function kindFields(d: Draft): ScriptSettings {
  switch (d.kind) {
    case "scheduled":
      return { cron: d.cron.trim(), timezone: d.timezone.trim(), missedPolicy: d.missedPolicy };
    case "http":
      return { path: d.path.trim(), methods: d.methods, access: d.access };
    case "event":
      return { events: splitList(d.events), maxAttempts: Number(d.maxAttempts) };
    default:
      return {};
  }
}

function commonFields(d: Draft): Omit<ScriptCommonFields, "code"> {
  return {
    name: d.name.trim(),
    kind: d.kind,
    description: d.description,
    tags: Object.fromEntries(d.tags.filter((t) => t.key.trim()).map((t) => [t.key.trim(), t.value.trim()])),
    enabled: d.enabled,
    timeoutMs: Number(d.timeoutMs),
    memoryMb: Number(d.memoryMb),
  };
}

/** Everything, for a new script. */
export function createBody(d: Draft, code: string, message: string): CreateScriptRequest {
  return { ...commonFields(d), ...kindFields(d), code, ...(message ? { message } : {}) };
}

/** Only what changed, for an update. A kind's settings go together when any of them changed. */
export function updateBody(saved: Draft, d: Draft, savedCode: string, code: string, message: string): UpdateScriptRequest {
  const before = commonFields(saved);
  const after = commonFields(d);
  const body: Record<string, unknown> = {};
  for (const key of Object.keys(after) as (keyof typeof after)[]) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) body[key] = after[key];
  }
  const kindAfter = kindFields(d);
  if (saved.kind !== d.kind || JSON.stringify(kindFields(saved)) !== JSON.stringify(kindAfter)) Object.assign(body, kindAfter);
  if (code !== savedCode) {
    body.code = code;
    if (message) body.message = message;
  }
  return body as UpdateScriptRequest;
}

export const sameDraft = (a: Draft, b: Draft) => JSON.stringify(a) === JSON.stringify(b);

/** Problems we can see without the server, by field name (the API's field names). */
export function problems(d: Draft): Record<string, string> {
  const out: Record<string, string> = {};
  const name = d.name.trim();
  if (!name) out.name = "Give the script a name.";
  else if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) out.name = 'Start with a letter or digit; use only letters, digits, "_", "." and "-".';
  else if (name.length > 100) out.name = "At most 100 characters.";
  const timeout = Number(d.timeoutMs);
  if (!Number.isInteger(timeout) || timeout < 100 || timeout > 900_000) out.timeoutMs = "A whole number of milliseconds from 100 to 900000 (15 minutes).";
  const memory = Number(d.memoryMb);
  if (!Number.isInteger(memory) || memory < 16) out.memoryMb = "A whole number of megabytes, at least 16.";
  const keys = d.tags.map((t) => t.key.trim()).filter(Boolean);
  if (new Set(keys).size !== keys.length) out.tags = "Each tag key may appear once.";
  if (d.kind === "scheduled" && d.cron.trim().split(/\s+/).length !== 5) out.cron = "Five fields: minute hour day-of-month month day-of-week.";
  if (d.kind === "http") {
    if (!/^\/[A-Za-z0-9_.:/-]*$/.test(d.path.trim())) out.path = 'Start with "/" and use letters, digits, "_", ".", "-", ":" and "/".';
    if (d.methods.length === 0) out.methods = "Pick at least one method.";
  }
  if (d.kind === "event") {
    const events = splitList(d.events);
    if (events.length === 0) out.events = "At least one event type, like payment.processed.";
    else if (events.some((e) => !/^[a-z0-9_]+(\.[a-z0-9_]+)*(\.\*)?$|^\*$/.test(e))) out.events = 'Event types look like "payment.processed" or "payment.*".';
    const attempts = Number(d.maxAttempts);
    if (!Number.isInteger(attempts) || attempts < 1 || attempts > 20) out.maxAttempts = "From 1 to 20.";
  }
  return out;
}

/** The API names a field like "methods[1]" or "tags.team"; the form shows it on "methods" or "tags". */
export const formField = (apiField: string) => apiField.replace(/[.[].*$/, "");
