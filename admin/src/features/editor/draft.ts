// The editor's form: a script's settings as the user edits them, and what a save sends. What is
// wrong with a draft is what the API would say: the same schemas (protocol/schemas) check it.
import type { CreateScriptRequest, ScriptDetail, ScriptKind, UpdateScriptRequest } from "../../../../protocol/api.ts";
import { apiMessages, issueField, sentence } from "../../../../protocol/schemas/problems.ts";
import { httpMethods, type HttpAccess, type HttpMethod, type MissedPolicy } from "../../../../protocol/schemas/script-settings.ts";
import { createScriptRequest } from "../../../../protocol/schemas/scripts.ts";
import { ruleDraftOf, ruleOf, ruleProblem, type RuleDraft } from "../alerts/rules.ts";

export { httpMethods };

export type HmacScheme = "sha256-hex" | "stripe";

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
  /** The name of the tenant secret that signs requests (its value is set apart, write-only). */
  hmacSecret: string;
  hmacScheme: HmacScheme;
  /** Empty: the scheme's usual header (x-signature, stripe-signature). */
  hmacHeader: string;
  events: string;
  maxAttempts: string;
  /** false: the script follows its tenant's alert rules. */
  ownAlerts: boolean;
  alerts: RuleDraft[];
}

/**
 * What a new script starts with besides the blank defaults: the settings of the template chosen
 * on "New script" (see features/templates), keyed so its unsaved edits are kept apart.
 */
let start: { key: string; settings: Partial<Draft> } = { key: "blank", settings: {} };

export function startNewScriptWith(key: string, settings: Partial<Draft>): void {
  start = { key, settings };
}

/** Which starting point a new script's draft belongs to. */
export const startingPointKey = () => start.key;

const localZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

/** A saved script as the form shows it; without one, a new script at its starting point. */
export function draftOf(script?: ScriptDetail): Draft {
  return script ? fromScript(script) : { ...fromScript(undefined), ...start.settings };
}

function fromScript(script: ScriptDetail | undefined): Draft {
  const scheduled = script?.kind === "scheduled" ? script.config : undefined;
  const http = script?.kind === "http" ? script.config : undefined;
  const event = script?.kind === "event" ? script.config : undefined;
  return {
    name: script?.name ?? "",
    kind: script?.kind ?? "manual",
    description: script?.description ?? "",
    tags: Object.entries(script?.tags ?? {}).map(([key, value]) => ({ key, value })),
    enabled: script?.enabled ?? true,
    timeoutMs: String(script?.timeoutMs ?? 30_000),
    memoryMb: String(script?.memoryMb ?? 256),
    cron: scheduled?.cron ?? "0 2 * * *",
    timezone: scheduled?.timezone ?? localZone(),
    missedPolicy: scheduled?.missedPolicy ?? "catch_up",
    path: http?.path ?? "",
    methods: [...(http?.methods ?? ["POST"])],
    access: http?.access ?? "token",
    hmacSecret: http?.hmacSecret ?? "",
    hmacScheme: http?.hmacScheme ?? "sha256-hex",
    hmacHeader: http?.hmacHeader ?? "",
    events: event?.events.join(", ") ?? "",
    maxAttempts: String(event?.maxAttempts ?? 5),
    ownAlerts: !!script?.alerts,
    alerts: (script?.alerts ?? []).map(ruleDraftOf),
  };
}

/** A draft kept by an older admin lacks the fields added since: they take their defaults. */
export const completeDraft = (stored: Partial<Draft>): Draft => ({ ...fromScript(undefined), ...stored });

const splitList = (text: string) => text.split(/[\s,]+/).filter(Boolean);

/** The kind and its trigger settings. */
function kindFields(d: Draft) {
  switch (d.kind) {
    case "scheduled":
      return { kind: d.kind, cron: d.cron.trim(), timezone: d.timezone.trim(), missedPolicy: d.missedPolicy };
    case "http": {
      const signed =
        d.access === "hmac"
          ? {
              ...(d.hmacSecret.trim() ? { hmacSecret: d.hmacSecret.trim() } : {}),
              hmacScheme: d.hmacScheme,
              ...(d.hmacHeader.trim() ? { hmacHeader: d.hmacHeader.trim() } : {}),
            }
          : {};
      return { kind: d.kind, path: d.path.trim(), methods: d.methods, access: d.access, ...signed };
    }
    case "event":
      return { kind: d.kind, events: splitList(d.events), maxAttempts: Number(d.maxAttempts) };
    default:
      return { kind: d.kind };
  }
}

function commonFields(d: Draft) {
  return {
    name: d.name.trim(),
    description: d.description,
    tags: Object.fromEntries(d.tags.filter((t) => t.key.trim()).map((t) => [t.key.trim(), t.value.trim()])),
    enabled: d.enabled,
    timeoutMs: Number(d.timeoutMs),
    memoryMb: Number(d.memoryMb),
    alerts: d.ownAlerts ? d.alerts.map(ruleOf) : null,
  };
}

/** Everything, for a new script. */
export function createBody(d: Draft, code: string, message: string): CreateScriptRequest {
  return { ...commonFields(d), ...kindFields(d), code, ...(message ? { message } : {}) };
}

/** Only what changed, for an update. A kind's settings go together when any of them changed. */
export function updateBody(saved: Draft, d: Draft, savedCode: string, code: string, message: string): UpdateScriptRequest {
  const before: Record<string, unknown> = commonFields(saved);
  const after: Record<string, unknown> = commonFields(d);
  const body: Record<string, unknown> = {};
  for (const key of Object.keys(after)) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) body[key] = after[key];
  }
  const { kind: _kind, ...settings } = kindFields(d);
  if (saved.kind !== d.kind || JSON.stringify(kindFields(saved)) !== JSON.stringify(kindFields(d))) Object.assign(body, settings);
  if (code !== savedCode) {
    body.code = code;
    if (message) body.message = message;
  }
  return body;
}

export const sameDraft = (a: Draft, b: Draft) => JSON.stringify(a) === JSON.stringify(b);

/** The API names a field like "methods[1]" or "tags.team"; the form shows it on "methods" or "tags". */
export const formField = (apiField: string) => apiField.replace(/[.[].*$/, "");

/**
 * What the API would refuse in this draft, by form field, in the API's words. The code is the
 * editor's to mark; tag keys the form lets the user type twice are its own problem.
 */
export function problems(d: Draft): Record<string, string> {
  const out: Record<string, string> = {};
  const result = createScriptRequest.safeParse(createBody(d, "", ""), { error: apiMessages });
  for (const issue of result.error?.issues ?? []) {
    const field = issueField(issue);
    if (field !== "code") out[formField(field)] ??= sentence(field, issue.message);
  }
  if (d.ownAlerts) {
    const bad = d.alerts.map(ruleProblem).findIndex(Boolean);
    if (bad >= 0) out.alerts = `Alert rule ${bad + 1}: ${ruleProblem(d.alerts[bad]!)}`;
  }
  const keys = d.tags.map((t) => t.key.trim()).filter(Boolean);
  if (new Set(keys).size !== keys.length) out.tags ??= "Each tag key may appear once.";
  return out;
}
