// Tenant settings as the form holds them (text in inputs) and as the API takes them, checked
// with the API's own schemas so each field says what the server would.
import type { Tenant, TenantSettings, UpdateSettingsRequest, UpdateTenantRequest } from "../../../../protocol/api.ts";
import { apiMessages, issueField, sentence } from "../../../../protocol/schemas/problems.ts";
import { updateSettingsRequest, updateTenantRequest } from "../../../../protocol/schemas/tenants.ts";
import { ruleDraftOf, ruleOf, type RuleDraft } from "../alerts/rules.ts";

export interface SettingsDraft {
  retentionDays: string;
  egressAllow: string;
  egressDeny: string;
  alerts: RuleDraft[];
}

export interface LimitsDraft {
  name: string;
  domains: string;
  /** Empty: the platform's default. */
  maxConcurrency: string;
  maxQueued: string;
  maxQueuedMb: string;
  maxHistoryMbPerDay: string;
}

/** One entry a line (or comma-separated); spaces inside an entry stay, for the check to name it. */
const lines = (text: string) =>
  text
    .split(/[\n,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
const mb = 1024 * 1024;
const orDefault = (text: string, scale = 1) => (text.trim() === "" ? null : Math.round(Number(text) * scale));

export const settingsDraftOf = (s: TenantSettings): SettingsDraft => ({
  retentionDays: String(s.retentionDays),
  egressAllow: s.egressAllow.join("\n"),
  egressDeny: s.egressDeny.join("\n"),
  alerts: s.alerts.map(ruleDraftOf),
});

export const limitsDraftOf = (t: Tenant): LimitsDraft => ({
  name: t.name,
  domains: t.domains.join("\n"),
  maxConcurrency: t.maxConcurrency === null ? "" : String(t.maxConcurrency),
  maxQueued: t.maxQueued === null ? "" : String(t.maxQueued),
  maxQueuedMb: t.maxQueuedBytes === null ? "" : String(t.maxQueuedBytes / mb),
  maxHistoryMbPerDay: t.maxHistoryBytesPerDay === null ? "" : String(t.maxHistoryBytesPerDay / mb),
});

export const settingsBody = (d: SettingsDraft): UpdateSettingsRequest => ({
  retentionDays: Number(d.retentionDays),
  egressAllow: lines(d.egressAllow),
  egressDeny: lines(d.egressDeny),
  alerts: d.alerts.map(ruleOf),
});

export const limitsBody = (d: LimitsDraft): UpdateTenantRequest => ({
  name: d.name.trim(),
  domains: lines(d.domains),
  maxConcurrency: orDefault(d.maxConcurrency),
  maxQueued: orDefault(d.maxQueued),
  maxQueuedBytes: orDefault(d.maxQueuedMb, mb),
  maxHistoryBytesPerDay: orDefault(d.maxHistoryMbPerDay, mb),
});

/** What the API would refuse, by top-level field ("alerts[1].email" shows on alerts). */
function problemsOf(schema: typeof updateSettingsRequest | typeof updateTenantRequest, body: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of schema.safeParse(body, { error: apiMessages }).error?.issues ?? []) {
    const field = issueField(issue);
    out[field.replace(/[.[].*$/, "")] ??= sentence(field, issue.message);
  }
  return out;
}

export const settingsProblems = (d: SettingsDraft) => problemsOf(updateSettingsRequest, settingsBody(d));
export const limitsProblems = (d: LimitsDraft) => problemsOf(updateTenantRequest, limitsBody(d));
