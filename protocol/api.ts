// The management API's request and response types, for the dispatcher, the admin and client/:
// each is inferred from its schema in ./schemas, which the dispatcher validates with and the
// OpenAPI document is generated from. Requests are typed as callers send them (`z.input`),
// answers as the API writes them (`z.output`).
import type * as z from "zod";
import type { addUserRequest, createTokenRequest, me, signInRequest, tenantChoice } from "./schemas/access.ts";
import type { domainEvent, eventAccepted, eventBatchAccepted } from "./schemas/events.ts";
import type {
  deadLetter,
  deadLetterReplay,
  executionDetail,
  executionStats,
  executionSummary,
  pageOf,
  replayRequest,
  rerunRequest,
  runAccepted,
  runRequest,
} from "./schemas/executions.ts";
import type { schedulePreview } from "./schemas/schedule.ts";
import type { secretSummary, secretValueRequest } from "./schemas/secrets.ts";
import type { settingsFields } from "./schemas/script-settings.ts";
import type {
  createScriptRequest,
  rollbackRequest,
  scriptDetail,
  scriptSummary,
  updateScriptRequest,
  versionDetail,
  versionSummary,
} from "./schemas/scripts.ts";
import type { createTenantRequest, tenantListItem, tenantSettings, updateSettingsRequest, updateTenantRequest } from "./schemas/tenants.ts";

export type { AlertEvent, AlertRule } from "./schemas/alerts.ts";
export type { ExecutionFilters, ExecutionStatus, Trigger } from "./schemas/executions.ts";
export type { HttpAccess, HttpMethod, MissedPolicy, ScriptConfigs, ScheduledConfig, HttpConfig, EventConfig } from "./schemas/script-settings.ts";
export type { ScriptFilters, ScriptKind } from "./schemas/scripts.ts";
export type { Tenant, TenantBudgets, TenantUsage } from "./schemas/tenants.ts";
export type { TenantUsageReport, UsagePeriod, UsageReport } from "./schemas/usage.ts";

export type ScriptSummary = z.output<typeof scriptSummary>;
export type ScriptDetail = z.output<typeof scriptDetail>;
export type VersionSummary = z.output<typeof versionSummary>;
export type VersionDetail = z.output<typeof versionDetail>;
export type ExecutionSummary = z.output<typeof executionSummary>;
export type ExecutionDetail = z.output<typeof executionDetail>;
export type ExecutionStats = z.output<typeof executionStats>;
export type Page<T> = z.output<ReturnType<typeof pageOf<z.ZodType<T>>>>;
export type Me = z.output<typeof me>;
export type RunAccepted = z.output<typeof runAccepted>;
export type SchedulePreview = z.output<typeof schedulePreview>;
export type DeadLetter = z.output<typeof deadLetter>;
export type DeadLetterReplay = z.output<typeof deadLetterReplay>;
export type SecretSummary = z.output<typeof secretSummary>;
export type TenantSettings = z.output<typeof tenantSettings>;
export type TenantListItem = z.output<typeof tenantListItem>;
export type EventAccepted = z.output<typeof eventAccepted>;
export type EventBatchAccepted = z.output<typeof eventBatchAccepted>;

export type SignInRequest = z.input<typeof signInRequest>;
export type SwitchTenantRequest = z.input<typeof tenantChoice>;
export type CreateTokenRequest = z.input<typeof createTokenRequest>;
export type AddUserRequest = z.input<typeof addUserRequest>;
export type CreateTenantRequest = z.input<typeof createTenantRequest>;
export type UpdateTenantRequest = z.input<typeof updateTenantRequest>;
export type UpdateSettingsRequest = z.input<typeof updateSettingsRequest>;
export type CreateScriptRequest = z.input<typeof createScriptRequest>;
export type UpdateScriptRequest = z.input<typeof updateScriptRequest>;
export type RollbackRequest = z.input<typeof rollbackRequest>;
export type RunRequest = z.input<typeof runRequest>;
export type RerunRequest = z.input<typeof rerunRequest>;
export type ReplayRequest = z.input<typeof replayRequest>;
export type SecretValueRequest = z.input<typeof secretValueRequest>;
export type DomainEvent = z.input<typeof domainEvent>;

/** Each kind's trigger settings as a request gives them. */
export type ScriptSettingsOf = { [K in keyof typeof settingsFields]: z.input<z.ZodObject<(typeof settingsFields)[K]>> };
