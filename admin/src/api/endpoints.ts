// The management API, one typed function per call. Request and response types come from
// protocol/api.ts, inferred from the schemas the server validates with.
import type {
  CreateScriptRequest,
  DeadLetter,
  DeadLetterReplay,
  ExecutionDetail,
  ExecutionFilters as ApiExecutionFilters,
  ExecutionStats,
  ExecutionSummary,
  Me,
  Page,
  ReplayRequest,
  RerunRequest,
  RollbackRequest,
  RunAccepted,
  RunRequest,
  SchedulePreview,
  ScriptKind,
  ScriptDetail,
  ScriptFilters as ApiScriptFilters,
  ScriptSummary,
  SecretSummary,
  SecretValueRequest,
  SignInRequest,
  SwitchTenantRequest,
  TenantListItem,
  UpdateScriptRequest,
  UsageReport,
  VersionDetail,
  VersionSummary,
} from "../../../protocol/api.ts";
import type * as z from "zod";
import type { createdToken, joinCode, member, memberSummary, tokenSummary } from "../../../protocol/schemas/access.ts";
import type { scheduleAnswer } from "../../../protocol/schemas/schedule.ts";
import type {
  CreateTokenRequest,
  AddUserRequest,
  Tenant,
  TenantSettings,
  TenantUsage,
  UpdateSettingsRequest,
  UpdateTenantRequest,
} from "../../../protocol/api.ts";
import { request, requestText, withQuery, type Query } from "./client.ts";
import { rememberScript } from "./script-store.ts";

// Answers protocol/api.ts does not name yet, inferred from the same schemas.
export type TokenSummary = z.output<typeof tokenSummary>;
export type CreatedToken = z.output<typeof createdToken>;
export type MemberSummary = z.output<typeof memberSummary>;
export type Member = z.output<typeof member>;
export type JoinCode = z.output<typeof joinCode>;
export type ScheduleAnswer = z.output<typeof scheduleAnswer>;

/** The kinds in the order the admin offers them. */
export const scriptKinds: readonly ScriptKind[] = ["manual", "scheduled", "http", "event", "embedded"];

/** The API's filters as the admin's addresses hold them, as text; the server checks the values. */
type AsText<Filters> = { [K in keyof Filters]?: Filters[K] | string };
export type ScriptFilters = AsText<ApiScriptFilters>;
export type ExecutionFilters = AsText<ApiExecutionFilters>;

/** A sync run answers with the finished execution, an async one with its id. */
export type RunAnswer = ExecutionDetail | RunAccepted;

export const isAccepted = (answer: RunAnswer): answer is RunAccepted => !("logs" in answer);

export const api = {
  me: () => request<Me>("GET", "/me"),
  signIn: (body: SignInRequest) => request<Me>("POST", "/session", body, { quiet401: true }),
  signOut: () => request<void>("DELETE", "/session", undefined, { quiet401: true }),
  switchTenant: (tenant: string) => request<Me>("POST", "/session/tenant", { tenant } satisfies SwitchTenantRequest),
  /** Every tenant; platform admins only. */
  tenants: () => request<{ items: TenantListItem[] }>("GET", "/tenants"),

  scripts: (filters: ScriptFilters = {}) => request<{ items: ScriptSummary[] }>("GET", withQuery("/scripts", filters as Query)),
  // What these answer is the script as saved: the store tells the screens that show it.
  script: (id: string) => request<ScriptDetail>("GET", `/scripts/${encodeURIComponent(id)}`).then(rememberScript),
  createScript: (fields: CreateScriptRequest) => request<ScriptDetail>("POST", "/scripts", fields).then(rememberScript),
  updateScript: (id: string, fields: UpdateScriptRequest) => request<ScriptDetail>("PATCH", `/scripts/${encodeURIComponent(id)}`, fields).then(rememberScript),
  deleteScript: (id: string) => request<void>("DELETE", `/scripts/${encodeURIComponent(id)}`),
  versions: (id: string) => request<{ items: VersionSummary[] }>("GET", `/scripts/${encodeURIComponent(id)}/versions`),
  version: (id: string, n: number) => request<VersionDetail>("GET", `/scripts/${encodeURIComponent(id)}/versions/${n}`),
  rollback: (id: string, version: number, message?: string) =>
    request<ScriptDetail>("POST", `/scripts/${encodeURIComponent(id)}/rollback`, (message ? { version, message } : { version }) satisfies RollbackRequest).then(
      rememberScript,
    ),
  schedule: (id: string) => request<ScheduleAnswer>("GET", `/scripts/${encodeURIComponent(id)}/schedule`),
  run: (id: string, body: RunRequest) => request<RunAnswer>("POST", `/scripts/${encodeURIComponent(id)}/runs`, body),

  executions: (filters: ExecutionFilters = {}) => request<Page<ExecutionSummary>>("GET", withQuery("/executions", filters as Query)),
  execution: (id: string) => request<ExecutionDetail>("GET", `/executions/${encodeURIComponent(id)}`),
  rerun: (id: string, body: RerunRequest) => request<RunAnswer>("POST", `/executions/${encodeURIComponent(id)}/rerun`, body),
  /** Answers once it has ended (cancelled); 409 when it had already finished. */
  cancel: (id: string) => request<ExecutionDetail>("POST", `/executions/${encodeURIComponent(id)}/cancel`),
  stats: (days: number, scriptId?: string) => request<ExecutionStats>("GET", withQuery("/stats/executions", { days, scriptId })),
  schedulePreview: (cron: string, timezone: string, signal?: AbortSignal) =>
    request<SchedulePreview>("GET", withQuery("/schedule/preview", { cron, timezone }), undefined, { signal }),

  /** The script SDK's TypeScript declarations, as the server generated them. */
  sdkTypes: () => requestText("/sdk/types"),

  deadLetters: () => request<{ items: DeadLetter[] }>("GET", "/dead-letters"),
  deadLetter: (id: string) => request<DeadLetter>("GET", `/dead-letters/${encodeURIComponent(id)}`),
  /** As it was, or with an edited payload. */
  replayDeadLetter: (id: string, body: ReplayRequest = {}) => request<DeadLetterReplay>("POST", `/dead-letters/${encodeURIComponent(id)}/replay`, body),
  secrets: () => request<{ items: SecretSummary[] }>("GET", "/secrets"),
  setSecret: (name: string, value: string) => request<unknown>("PUT", `/secrets/${encodeURIComponent(name)}`, { value } satisfies SecretValueRequest),
  deleteSecret: (name: string) => request<void>("DELETE", `/secrets/${encodeURIComponent(name)}`),

  settings: () => request<TenantSettings>("GET", "/settings"),
  updateSettings: (body: UpdateSettingsRequest) => request<TenantSettings>("PATCH", "/settings", body),
  /** Platform admins only: a tenant's name, domains, limits and budgets. */
  updateTenant: (slug: string, body: UpdateTenantRequest) => request<Tenant>("PATCH", `/tenants/${encodeURIComponent(slug)}`, body),
  usage: () => request<TenantUsage>("GET", "/usage"),
  /** Runs per day and month by status, durations, and where it stands now; a platform admin's for any or every tenant. */
  usageReport: (query: { days?: number; tenant?: string; all?: boolean }) => request<UsageReport>("GET", withQuery("/usage/report", query)),

  tokens: () => request<{ items: TokenSummary[] }>("GET", "/tokens"),
  createToken: (body: CreateTokenRequest) => request<CreatedToken>("POST", "/tokens", body),
  revokeToken: (id: string) => request<void>("DELETE", `/tokens/${encodeURIComponent(id)}`),

  users: () => request<{ items: MemberSummary[] }>("GET", "/users"),
  addUser: (body: AddUserRequest) => request<Member>("POST", "/users", body),
  removeUser: (id: string) => request<void>("DELETE", `/users/${encodeURIComponent(id)}`),
  /** A code that lets another tenant's owner add me. */
  joinCode: (tenant: string) => request<JoinCode>("POST", "/me/join-code", { tenant }),
};
