// Examples the reference shows, typed by the API's types so they cannot drift from the schemas.
import type { DeadLetter, ExecutionDetail, ExecutionSummary, Me, ScriptDetail, Tenant, TenantUsage, VersionDetail } from "../api.ts";

const at = "2026-11-24T09:30:00.000Z";
const later = "2026-11-24T09:30:00.412Z";

export const usageExample: TenantUsage = {
  running: 2,
  queued: 0,
  limit: 10,
  queuedBytes: 0,
  historyBytesToday: 1_482_113,
  budgets: { maxQueued: 10_000, maxQueuedBytes: 67_108_864, maxHistoryBytesPerDay: 268_435_456 },
};

export const tenantExample: Tenant = {
  id: "ten_01jq3v2k7c9x8m",
  slug: "acme",
  name: "Acme Corp",
  domains: ["acme.example.com"],
  maxConcurrency: null,
  egressAllow: [],
  egressDeny: [],
  retentionDays: 30,
  alerts: [{ on: ["failed", "timed_out"], email: "ops@acme.example.com" }],
  maxQueued: null,
  maxQueuedBytes: null,
  maxHistoryBytesPerDay: null,
  createdAt: at,
};

export const meExample: Me = {
  name: "dana",
  tenant: { id: "ten_01jq3v2k7c9x8m", slug: "acme" },
  role: "developer",
  platformAdmin: false,
  permissions: ["scripts.read", "scripts.write", "scripts.execute", "executions.read"],
  tenants: [{ slug: "acme", name: "Acme Corp", role: "developer" }],
  csrfToken: "q7TzJ0c1fWkq4n3Xb8Yv",
};

const code = "export default async function (input, ctx) {\n  return { total: input.qty * 10 };\n}\n";

export const scriptExample: ScriptDetail = {
  id: "scr_01jq3v2k7c9x8m",
  name: "nightly-export",
  kind: "scheduled",
  description: "Exports yesterday's payments",
  tags: { team: "finance" },
  enabled: true,
  timeoutMs: 30_000,
  memoryMb: 256,
  config: { cron: "0 2 * * *", timezone: "Europe/Berlin", missedPolicy: "catch_up" },
  alerts: null,
  sdkVersion: "1",
  language: "js",
  version: 3,
  createdBy: "dana (usr_01jq3v2k7c9x8m)",
  createdAt: at,
  updatedAt: later,
  code,
  sha256: "9f2c4b1e0a7d5c3b8e6f1a2d4c7b9e0f3a5d8c1b6e9f2a4d7c0b3e5f8a1d4c7b",
};

export const versionExample: VersionDetail = {
  scriptId: "scr_01jq3v2k7c9x8m",
  number: 3,
  sha256: scriptExample.sha256,
  language: "js",
  author: "dana (usr_01jq3v2k7c9x8m)",
  createdAt: later,
  message: "Handle refunds",
  code,
};

export const executionSummaryExample: ExecutionSummary = {
  id: "exe_01jq3v2k7c9x8m",
  scriptId: "scr_01jq3v2k7c9x8m",
  scriptName: "pricing-rule",
  version: 3,
  trigger: "manual",
  status: "succeeded",
  attempt: 1,
  createdAt: at,
  startedAt: at,
  finishedAt: later,
  durationMs: 412,
  errorCode: null,
  errorMessage: null,
};

export const executionExample: ExecutionDetail = {
  ...executionSummaryExample,
  input: { sku: "A-1", qty: 12 },
  output: { total: 120 },
  error: null,
  logs: [{ level: "info", message: "pricing 12 x A-1 at 10", at }],
  progress: null,
  rerunOf: null,
  outbound: [{ method: "GET", url: "https://api.example.com/rates", host: "api.example.com", status: 200, bytes: 512, ms: 84 }],
  createdBy: "dana (usr_01jq3v2k7c9x8m)",
};

export const deadLetterExample: DeadLetter = {
  id: "dlq_01jq3v2k7c9x8m",
  scriptId: "scr_01jq3v2k7c9x8m",
  scriptName: "on-payment",
  eventId: "pay_2026_000123",
  eventType: "payment.processed",
  payload: { amount: "42.00", currency: "EUR" },
  payloadBytes: 35,
  occurredAt: at,
  attempts: 5,
  executionId: "exe_01jq3v2k7c9x8m",
  errorCode: "SCRIPT_ERROR",
  errorMessage: "ledger unavailable",
  createdAt: at,
  replayedAt: null,
  replayExecutionId: null,
};

export const sseExample = [
  'event: log\ndata: {"level":"info","message":"pricing 12 x A-1 at 10","at":"2026-11-24T09:30:00.000Z"}\n',
  'event: progress\ndata: {"percent":50,"message":"half way"}\n',
  'event: end\ndata: {"id":"exe_01jq3v2k7c9x8m","status":"succeeded"}\n',
].join("\n");
