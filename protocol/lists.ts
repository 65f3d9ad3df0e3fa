// The product's closed lists, plain and free of any library: the API's schemas (protocol/schemas)
// and the database's columns (db/schema.ts) both take them from here.

export const scriptKinds = ["scheduled", "http", "event", "manual", "embedded"] as const;
export type ScriptKind = (typeof scriptKinds)[number];

/** What a script is written in: TypeScript's types are stripped at save. */
export const scriptLanguages = ["js", "ts"] as const;
export type ScriptLanguage = (typeof scriptLanguages)[number];

export const executionStatuses = [
  "queued",
  "running",
  "succeeded",
  "failed",
  "timed_out",
  "cancelled",
  "interrupted",
  // A schedule slot that did not run: its previous run was still going, or the platform was down.
  "skipped",
  "missed",
] as const;
export type ExecutionStatus = (typeof executionStatuses)[number];

export const triggers = ["manual", "embedded", "http", "event", "scheduled"] as const;
export type Trigger = (typeof triggers)[number];
