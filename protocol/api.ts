// The management API's response shapes, shared by the dispatcher and the admin.
import type { ExecutionStatus, Trigger } from "../db/schema.ts";
import type { LogEntry } from "./run.ts";
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
  createdBy: string | null;
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
}
