// The management API's request and response shapes, shared by the dispatcher and the admin.
import type { AlertRule, scriptKinds, ExecutionStatus, Tenant, Trigger } from "../db/schema.ts";
import type { LogEntry, OutboundRecord, Progress } from "./run.ts";
import type { Permission, Role } from "./roles.ts";

export type ScriptKind = (typeof scriptKinds)[number];

export interface ScriptSummary {
  id: string;
  name: string;
  kind: ScriptKind;
  description: string;
  tags: Record<string, string>;
  enabled: boolean;
  timeoutMs: number;
  memoryMb: number;
  config: Record<string, unknown>;
  /** The script's own alert rules; null when it inherits its tenant's. */
  alerts: AlertRule[] | null;
  sdkVersion: string;
  version: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
}

export interface ScriptDetail extends ScriptSummary {
  code: string;
  sha256: string;
}

export interface VersionSummary {
  number: number;
  sha256: string;
  author: string;
  createdAt: string;
  message: string;
}

export interface VersionDetail extends VersionSummary {
  scriptId: string;
  code: string;
}

export interface ExecutionSummary {
  id: string;
  scriptId: string;
  scriptName: string | null;
  version: number;
  trigger: Trigger;
  status: ExecutionStatus;
  attempt: number;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  errorCode: string | null;
}

export interface ExecutionDetail extends ExecutionSummary {
  input: unknown;
  output: unknown;
  error: { code: string | null; message: string; stack: string | null } | null;
  logs: LogEntry[];
  progress: Progress | null;
  rerunOf: string | null;
  outbound: OutboundRecord[];
  createdBy: string | null;
}

export interface ExecutionStats {
  days: { day: string; counts: Partial<Record<ExecutionStatus, number>>; p50Ms: number | null; p95Ms: number | null }[];
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Me {
  name: string;
  tenant: { id: string; slug: string };
  role: Role;
  platformAdmin: boolean;
  permissions: Permission[];
  /** The tenants a signed-in user belongs to (one entry for an API token). */
  tenants: { slug: string; name: string; role: Role }[];
  /** For cookie sessions: send it back as `X-CSRF-Token` on every non-GET request. */
  csrfToken?: string;
}

// Shapes the admin reads from endpoints being added (answers to an async run, the cron preview,
// dead letters, secrets).

/** `202` from an async run or re-run: the execution to follow. */
export interface RunAccepted {
  id: string;
  status: "queued";
}

/** `GET /admin/api/schedule/preview?cron=&timezone=`: the next times a cron fires. */
export interface SchedulePreview {
  next: { at: string; dstChange: boolean }[];
}

/** An event delivery that failed every attempt, kept for replay (`GET /admin/api/dead-letters`). */
export interface DeadLetter {
  id: string;
  scriptId: string;
  scriptName: string | null;
  eventId: string;
  eventType: string | null;
  attempts: number;
  /** The last failed attempt, for its logs and error. */
  executionId: string;
  errorCode: string | null;
  errorMessage: string | null;
  createdAt: string;
  replayedAt: string | null;
  replayExecutionId: string | null;
}

/** `202` from `POST /admin/api/dead-letters/:id/replay`: the new delivery's execution. */
export interface DeadLetterReplay {
  id: string;
  executionId: string;
}

/** A tenant secret: the name only; values are never sent back. */
export interface SecretSummary {
  name: string;
  updatedAt: string;
  updatedBy: string | null;
}

/** A tenant's budgets as they apply: its own where set, else the platform's defaults. */
export interface TenantBudgets {
  /** Executions that may wait in the queue at once. */
  maxQueued: number;
  /** Total input bytes of the executions waiting. */
  maxQueuedBytes: number;
  /** Bytes of execution history recorded per UTC day. */
  maxHistoryBytesPerDay: number;
}

/** `GET /admin/api/usage`: what a tenant runs, holds waiting and recorded today, against its limits. */
export interface TenantUsage {
  running: number;
  queued: number;
  /** Concurrent executions allowed. */
  limit: number;
  queuedBytes: number;
  /** History bytes recorded this UTC day. */
  historyBytesToday: number;
  budgets: TenantBudgets;
}

/** `GET /admin/api/settings`: the caller's tenant settings; budgets are changed by platform admins. */
export interface TenantSettings extends Pick<Tenant, "alerts" | "retentionDays" | "egressAllow" | "egressDeny"> {
  budgets: TenantBudgets;
}

/** `GET /admin/api/tenants` (platform admins only): every tenant, with how busy it is now. */
export interface TenantListItem extends Tenant {
  usage: TenantUsage;
}

// Request bodies. The dispatcher checks every field again (scripts in
// dispatcher/domain/script-spec.ts) and refuses fields it does not know.

/** `POST /admin/api/session`. Without `tenant`, the session opens in the user's oldest membership. */
export interface SignInRequest {
  username: string;
  password: string;
  tenant?: string;
}

/** `POST /admin/api/session/tenant`: moves the session to another tenant the user belongs to. */
export interface SwitchTenantRequest {
  tenant: string;
}

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS";
export type HttpAccess = "public" | "token" | "hmac";
export type MissedPolicy = "catch_up" | "skip";

/** The fields every script has. */
export interface ScriptCommonFields {
  name: string;
  kind: ScriptKind;
  /** The ES module; a changed one makes a new version. */
  code: string;
  description?: string;
  tags?: Record<string, string>;
  enabled?: boolean;
  timeoutMs?: number;
  memoryMb?: number;
  /** What changed, kept with the new version. */
  message?: string;
  /** The script's own alert rules; null to inherit its tenant's. */
  alerts?: AlertRule[] | null;
  sdkVersion?: string;
}

/** A `scheduled` script's trigger settings. */
export interface ScheduledSettings {
  cron: string;
  /** IANA zone; UTC when left out. */
  timezone?: string;
  missedPolicy?: MissedPolicy;
}

/** An `http` script's trigger settings. */
export interface HttpSettings {
  /** Under `/api/scripts`, like `/orders/:id`. */
  path: string;
  methods?: HttpMethod[];
  access?: HttpAccess;
  /** The name of the secret that signs requests, when access is `hmac`. */
  hmacSecret?: string;
  hmacHeader?: string;
  hmacScheme?: "sha256-hex" | "stripe";
}

/** An `event` script's trigger settings. */
export interface EventSettings {
  /** Event types like `payment.processed`, or prefixes like `payment.*`. */
  events: string[];
  maxAttempts?: number;
}

/** The trigger settings of any kind; a script may send only its own kind's. */
export type ScriptSettings = Partial<ScheduledSettings & HttpSettings & EventSettings>;

/** `POST /admin/api/scripts`: answers 201 with version 1. */
export type CreateScriptRequest = ScriptCommonFields & ScriptSettings;

/** `PATCH /admin/api/scripts/:id`: only what changes; a new version iff `code` changed. `kind` cannot change. */
export type UpdateScriptRequest = Partial<CreateScriptRequest>;

/** `POST /admin/api/scripts/:id/rollback`: a new version with the code of `version`. */
export interface RollbackRequest {
  version: number;
  message?: string;
}

/** `POST /admin/api/scripts/:id/runs`: sync answers the finished execution, async a `RunAccepted`. */
export interface RunRequest {
  input?: unknown;
  mode?: "sync" | "async";
  /** An earlier version to run; the current one when left out. */
  version?: number;
}

/** `POST /admin/api/executions/:id/rerun`: the execution's own input when `input` is left out. */
export type RerunRequest = Omit<RunRequest, "version">;

/** `PUT /admin/api/secrets/:name`. */
export interface SecretValueRequest {
  value: string;
}

/** `POST /api/events` with one event: 202 when stored, 200 when its id was seen with the same event. */
export interface EventAccepted {
  id: string;
  type: string;
  duplicate: boolean;
  /** How many scripts it is delivered to. */
  deliveries: number;
}

/** `POST /api/events` with `{events}`: 202 when any was new, 200 when all were repeats. */
export interface EventBatchAccepted {
  accepted: number;
  duplicates: number;
  events: EventAccepted[];
}
