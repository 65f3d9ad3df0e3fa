// Scripts: what a create or an update may carry (one form per kind, told apart by `kind`), and
// what the API answers about a script and its versions.
import * as z from "zod";
import { alertRule, alertRules } from "./alerts.ts";
import { closed, id, instant, patterned, text, utf8Size, wholeNumber } from "./common.ts";
import { configs, settingsChecks, settingsFields } from "./script-settings.ts";

/** The kinds of script, in the order the database lists them. */
import { scriptKinds, scriptLanguages } from "../lists.ts";

export { scriptKinds, scriptLanguages };
export const scriptKind = z.enum(scriptKinds);
export type ScriptKind = z.infer<typeof scriptKind>;
export const scriptLanguage = z.enum(scriptLanguages, { error: "must be js or ts" }).meta({
  description:
    "`js` (the default) or `ts`: TypeScript's types are stripped at save, keeping every line and column; enums, namespaces and parameter properties are refused (422, with the line and column). Type errors are not checked here (the admin's editor and `iota push` show them).",
  example: "ts",
});
export type ScriptLanguage = z.infer<typeof scriptLanguage>;

/** SDK versions this platform runs; the newest is the default for new scripts. */
export const supportedSdkVersions = ["1"] as const;

export const scriptLimits = {
  maxCodeBytes: 1024 * 1024,
  defaultTimeoutMs: 30_000,
  minTimeoutMs: 100,
  maxTimeoutMs: 15 * 60_000,
  defaultMemoryMb: 256,
  /** The most is the runners' largest memory tier, which the deployment sets. */
  minMemoryMb: 16,
} as const;

export const scriptName = patterned(
  100,
  /^[A-Za-z0-9][A-Za-z0-9_.-]*$/,
  'must start with a letter or digit and use only letters, digits, "_", "." and "-"',
).meta({
  example: "pricing-rule",
});

const tagKey = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: 'is not a valid tag key: use 1-64 letters, digits, "_", "." or "-"' });
export const tags = z
  .record(tagKey, z.string({ error: "must be a string of at most 256 characters" }).max(256, { error: "must be a string of at most 256 characters" }), {
    error: 'must be an object of key-value strings, like {"team": "finance"}',
  })
  .refine((value) => Object.keys(value).length <= 50, { error: "may have at most 50 entries" })
  .meta({ example: { team: "finance" } });

/** The module's source; the dispatcher also parses it (a syntax error is a 422 with line and column). */
export const scriptCode = z
  .string({ error: "must be a string holding an ES module" })
  .superRefine((code, ctx) => {
    if (code.length > scriptLimits.maxCodeBytes / 3 && utf8Size(code) > scriptLimits.maxCodeBytes) {
      ctx.addIssue({ code: "custom", message: `is larger than the ${scriptLimits.maxCodeBytes}-byte cap`, params: { code: "PAYLOAD_TOO_LARGE" }, input: code });
    }
  })
  .meta({
    description: "An ES module whose default export is `async function (input, ctx)`; TypeScript when `language` is `ts`.",
    example: "export default async (input, ctx) => ({ total: input.qty * 10 });",
  });

/** What every script has besides its code; all may be left out of an update. */
const commonFields = {
  name: scriptName,
  description: text(2000).optional(),
  tags: tags.optional(),
  enabled: z.boolean().optional().meta({ description: "Default true." }),
  timeoutMs: wholeNumber(scriptLimits.minTimeoutMs, scriptLimits.maxTimeoutMs).optional().meta({ description: "Default 30000." }),
  memoryMb: z
    .int({ error: "must be a whole number of megabytes" })
    .min(scriptLimits.minMemoryMb, { error: `must be at least ${scriptLimits.minMemoryMb}` })
    .optional()
    .meta({ description: "Default 256; at most the runners' largest memory tier." }),
  /** What changed, kept with the new version. */
  message: text(500).optional().meta({ description: "Kept with the version this request makes." }),
  alerts: alertRules.nullable().optional().meta({ description: "The script's own alert rules; null inherits its tenant's." }),
  sdkVersion: z.enum(supportedSdkVersions).optional(),
  language: scriptLanguage.optional(),
};

const kindHint = {
  error: (issue: z.core.$ZodRawIssue) =>
    issue.code === "invalid_union"
      ? `${(issue.input as { kind?: unknown })?.kind === undefined ? "is required:" : "must be"} one of ${scriptKinds.join(", ")}`
      : undefined,
};

const createForm = <K extends ScriptKind, S extends z.ZodRawShape>(kind: K, settings: S) =>
  closed({ kind: z.literal(kind), ...commonFields, code: scriptCode, ...settings });
const updateForm = <K extends ScriptKind, S extends z.ZodRawShape>(kind: K, settings: S) =>
  closed({ kind: z.literal(kind).optional(), ...z.object(commonFields).partial().shape, code: scriptCode.optional(), ...z.object(settings).partial().shape });

/** `POST /admin/api/scripts`: one form per kind. */
export const createScriptRequest = z
  .discriminatedUnion(
    "kind",
    [
      createForm("manual", settingsFields.manual).meta({ id: "CreateManualScript" }),
      createForm("scheduled", settingsFields.scheduled).superRefine(settingsChecks.scheduled).meta({ id: "CreateScheduledScript" }),
      createForm("http", settingsFields.http).superRefine(settingsChecks.http).meta({ id: "CreateHttpScript" }),
      createForm("event", settingsFields.event).meta({ id: "CreateEventScript" }),
      createForm("embedded", settingsFields.embedded).meta({ id: "CreateEmbeddedScript" }),
    ],
    kindHint,
  )
  .meta({ id: "CreateScriptRequest" });

/** An update of a script of each kind: only what changes. */
export const updateScriptForms = {
  scheduled: updateForm("scheduled", settingsFields.scheduled),
  http: updateForm("http", settingsFields.http),
  event: updateForm("event", settingsFields.event),
  manual: updateForm("manual", settingsFields.manual),
  embedded: updateForm("embedded", settingsFields.embedded),
};

/**
 * `PATCH /admin/api/scripts/:id` as the route can check it before the script is read: any kind's
 * settings. The script's own kind's form is applied once it is known.
 */
export const updateScriptRequest = closed({
  kind: scriptKind.optional().meta({ description: "Cannot change; sending another kind is refused." }),
  ...z.object(commonFields).partial().shape,
  code: scriptCode.optional().meta({ description: "A changed module (or `language`) makes a new version." }),
  ...z.object({ ...settingsFields.scheduled, ...settingsFields.http, ...settingsFields.event }).partial().shape,
}).meta({ id: "UpdateScriptRequest" });

const summaryFields = {
  id: id("scr"),
  name: z.string(),
  description: z.string(),
  tags: z.record(z.string(), z.string()),
  enabled: z.boolean(),
  timeoutMs: z.int(),
  memoryMb: z.int(),
  alerts: z.array(alertRule).nullable().meta({ description: "The script's own alert rules; null when it inherits its tenant's." }),
  sdkVersion: z.string(),
  language: scriptLanguage.meta({ description: "The current version's language." }),
  version: z.int().meta({ description: "The current version's number." }),
  createdBy: z.string(),
  createdAt: instant,
  updatedAt: instant,
};

const summaryOf = <K extends ScriptKind, C extends z.ZodType>(kind: K, config: C) => z.object({ ...summaryFields, kind: z.literal(kind), config });

export const scriptSummary = z
  .discriminatedUnion("kind", [
    summaryOf("scheduled", configs.scheduled),
    summaryOf("http", configs.http),
    summaryOf("event", configs.event),
    summaryOf("manual", configs.manual),
    summaryOf("embedded", configs.embedded),
  ])
  .meta({ id: "ScriptSummary" });

const detailFields = z.object({ code: z.string(), sha256: z.string().meta({ description: "Of the current version's code." }) });
export const scriptDetail = z.intersection(scriptSummary, detailFields).meta({ id: "ScriptDetail" });

export const versionSummary = z
  .object({ number: z.int(), sha256: z.string(), language: scriptLanguage, author: z.string(), createdAt: instant, message: z.string() })
  .meta({ id: "VersionSummary" });
export const versionDetail = versionSummary.extend({ scriptId: z.string(), code: z.string() }).meta({ id: "VersionDetail" });

const versionNumber = "must be a version number (a whole number from 1)";

/** `POST /admin/api/scripts/:id/rollback`: a new version with the code of `version`. */
export const rollbackRequest = closed({
  version: wholeNumber(1, Number.MAX_SAFE_INTEGER, versionNumber),
  message: text(500).optional(),
}).meta({ id: "RollbackRequest" });

/** `/admin/api/scripts/:id/versions/:n`. */
export const versionParams = z.object({
  id: z.string(),
  n: z.coerce
    .number<string>({ error: versionNumber })
    .pipe(wholeNumber(1, Number.MAX_SAFE_INTEGER, versionNumber))
    .meta({ example: 2 }),
});

/** `GET /admin/api/scripts?kind=&tag=team:finance&q=&enabled=`. */
export const scriptFilters = z.object({
  kind: scriptKind.optional(),
  tag: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((tag) => (tag === undefined ? [] : [tag].flat()))
    .refine((list) => list.every((tag) => /^[^:]+:/.test(tag)), { error: 'filters are "key:value", like "team:finance"' })
    .meta({ description: "`key:value`; repeat for several." }),
  q: z.string().optional().meta({ description: "Words in the name or description." }),
  enabled: z.enum(["true", "false"]).optional(),
});
export type ScriptFilters = z.input<typeof scriptFilters>;
