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
  VersionDetail,
  VersionSummary,
} from "../../../protocol/api.ts";
import { request, requestText, withQuery, type Query } from "./client.ts";

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
  script: (id: string) => request<ScriptDetail>("GET", `/scripts/${encodeURIComponent(id)}`),
  createScript: (fields: CreateScriptRequest) => request<ScriptDetail>("POST", "/scripts", fields),
  updateScript: (id: string, fields: UpdateScriptRequest) => request<ScriptDetail>("PATCH", `/scripts/${encodeURIComponent(id)}`, fields),
  deleteScript: (id: string) => request<void>("DELETE", `/scripts/${encodeURIComponent(id)}`),
  versions: (id: string) => request<{ items: VersionSummary[] }>("GET", `/scripts/${encodeURIComponent(id)}/versions`),
  version: (id: string, n: number) => request<VersionDetail>("GET", `/scripts/${encodeURIComponent(id)}/versions/${n}`),
  rollback: (id: string, version: number, message?: string) =>
    request<ScriptDetail>("POST", `/scripts/${encodeURIComponent(id)}/rollback`, (message ? { version, message } : { version }) satisfies RollbackRequest),
  run: (id: string, body: RunRequest) => request<RunAnswer>("POST", `/scripts/${encodeURIComponent(id)}/runs`, body),

  executions: (filters: ExecutionFilters = {}) => request<Page<ExecutionSummary>>("GET", withQuery("/executions", filters as Query)),
  execution: (id: string) => request<ExecutionDetail>("GET", `/executions/${encodeURIComponent(id)}`),
  rerun: (id: string, body: RerunRequest) => request<RunAnswer>("POST", `/executions/${encodeURIComponent(id)}/rerun`, body),
  stats: (days: number, scriptId?: string) => request<ExecutionStats>("GET", withQuery("/stats/executions", { days, scriptId })),
  schedulePreview: (cron: string, timezone: string, signal?: AbortSignal) =>
    request<SchedulePreview>("GET", withQuery("/schedule/preview", { cron, timezone }), undefined, { signal }),

  /** The script SDK's TypeScript declarations, as the server generated them. */
  sdkTypes: () => requestText("/sdk/types"),

  deadLetters: () => request<{ items: DeadLetter[] }>("GET", "/dead-letters"),
  replayDeadLetter: (id: string) => request<DeadLetterReplay>("POST", `/dead-letters/${encodeURIComponent(id)}/replay`),
  secrets: () => request<{ items: SecretSummary[] }>("GET", "/secrets"),
  setSecret: (name: string, value: string) => request<unknown>("PUT", `/secrets/${encodeURIComponent(name)}`, { value } satisfies SecretValueRequest),
  deleteSecret: (name: string) => request<void>("DELETE", `/secrets/${encodeURIComponent(name)}`),
};
