// The management API's response shapes, shared by the dispatcher and the admin.
import type { AlertRule, ExecutionStatus, Trigger } from "../db/schema.ts";
import type { LogEntry, OutboundRecord, Progress } from "./run.ts";
import type { Permission, Role } from "./roles.ts";

export interface ScriptSummary {
  id: string;
  name: string;
  kind: "scheduled" | "http" | "event" | "manual" | "embedded";
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
