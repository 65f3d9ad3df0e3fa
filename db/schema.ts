// The one schema: tables, and the row types the dispatcher, host and admin share.
import { sql } from "drizzle-orm";
import { executionStatuses, scriptKinds, scriptLanguages, triggers, type ExecutionStatus, type ScriptKind, type Trigger } from "../protocol/lists.ts";
import type { AlertRule } from "../protocol/schemas/alerts.ts";
import type { ScriptConfigs } from "../protocol/schemas/script-settings.ts";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

const now = sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`;

export const tenants = sqliteTable("tenants", {
  id: text("id").primaryKey(),
  slug: text("slug").notNull().unique(),
  name: text("name").notNull(),
  domains: text("domains", { mode: "json" }).$type<string[]>().notNull().default([]),
  maxConcurrency: integer("max_concurrency"),
  /** Hosts scripts may call (`api.stripe.com`, `*.example.com`); empty means any public host. */
  egressAllow: text("egress_allow", { mode: "json" }).$type<string[]>().notNull().default([]),
  /** Hosts scripts may never call; wins over the allow list. */
  egressDeny: text("egress_deny", { mode: "json" }).$type<string[]>().notNull().default([]),
  /** Days execution history and dead letters are kept. */
  retentionDays: integer("retention_days").notNull().default(30),
  /** Alert rules every script of the tenant inherits unless it has its own. */
  alerts: text("alerts", { mode: "json" }).$type<AlertRule[]>().notNull().default([]),
  // Budgets; null takes the platform's default (the host's settings).
  /** Executions that may wait in the queue at once. */
  maxQueued: integer("max_queued"),
  /** Total input bytes of the executions waiting in the queue. */
  maxQueuedBytes: integer("max_queued_bytes"),
  /** Bytes of execution history (input, output, logs, errors) recorded per UTC day. */
  maxHistoryBytesPerDay: integer("max_history_bytes_per_day"),
  createdAt: text("created_at").notNull().default(now),
});

export type { AlertRule };

export const apiTokens = sqliteTable(
  "api_tokens",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    name: text("name").notNull(),
    role: text("role", { enum: ["owner", "admin", "developer", "viewer"] }).notNull(),
    platformAdmin: integer("platform_admin", { mode: "boolean" }).notNull().default(false),
    tokenHash: text("token_hash").notNull().unique(),
    createdBy: text("created_by"),
    createdAt: text("created_at").notNull().default(now),
    revokedAt: text("revoked_at"),
  },
  (t) => [index("api_tokens_tenant").on(t.tenantId)],
);

/** The kinds of script: the one list the database, the dispatcher's checks and the API share. */
export { scriptKinds };

export const scripts = sqliteTable(
  "scripts",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    name: text("name").notNull(),
    kind: text("kind", { enum: scriptKinds }).notNull(),
    /** The current version's language (each version keeps its own). */
    language: text("language", { enum: scriptLanguages }).notNull().default("js"),
    description: text("description").notNull().default(""),
    tags: text("tags", { mode: "json" }).$type<Record<string, string>>().notNull().default({}),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    timeoutMs: integer("timeout_ms").notNull(),
    memoryMb: integer("memory_mb").notNull(),
    // Trigger settings of the script's kind (cron, path, events...), validated by the domain.
    /** The kind's settings, as its schema in protocol/schemas/script-settings.ts stores them. */
    config: text("config", { mode: "json" }).$type<ScriptConfigs[ScriptKind]>().notNull().default({}),
    currentVersion: integer("current_version").notNull(),
    /** The SDK version the script is written against; a newer platform keeps it working. */
    sdkVersion: text("sdk_version").notNull().default("1"),
    /** The script's own alert rules; null inherits the tenant's. */
    alerts: text("alerts", { mode: "json" }).$type<AlertRule[] | null>(),
    /** Scheduled scripts: the next slot the scheduler will claim (UTC ISO), null when disabled. */
    nextRunAt: text("next_run_at"),
    createdBy: text("created_by").notNull(),
    createdAt: text("created_at").notNull().default(now),
    updatedAt: text("updated_at").notNull().default(now),
    deletedAt: text("deleted_at"),
  },
  (t) => [
    // Names are unique among live scripts; a deleted script frees its name.
    uniqueIndex("scripts_tenant_name_live").on(t.tenantId, t.name).where(sql`deleted_at IS NULL`),
    index("scripts_tenant_kind").on(t.tenantId, t.kind),
    index("scripts_next_run").on(t.nextRunAt),
  ],
);

export const scriptVersions = sqliteTable(
  "script_versions",
  {
    scriptId: text("script_id")
      .notNull()
      .references(() => scripts.id),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    number: integer("number").notNull(),
    /** The source as its author wrote it (TypeScript or JavaScript). */
    code: text("code").notNull(),
    sha256: text("sha256").notNull(),
    language: text("language", { enum: scriptLanguages }).notNull().default("js"),
    /** What runs when it is not `code` itself: TypeScript with its types blanked out, stripped once at save. */
    compiled: text("compiled"),
    author: text("author").notNull(),
    message: text("message").notNull().default(""),
    createdAt: text("created_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.scriptId, t.number] })],
);

export { executionStatuses, triggers, type ExecutionStatus, type Trigger };

export const executions = sqliteTable(
  "executions",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    scriptId: text("script_id")
      .notNull()
      .references(() => scripts.id),
    version: integer("version").notNull(),
    trigger: text("trigger", { enum: triggers }).notNull(),
    status: text("status", { enum: executionStatuses }).notNull(),
    input: text("input"),
    /** The input's UTF-8 size, summed from the index against the tenant's queue budget. */
    inputBytes: integer("input_bytes"),
    output: text("output"),
    errorCode: text("error_code"),
    errorMessage: text("error_message"),
    errorStack: text("error_stack"),
    attempt: integer("attempt").notNull().default(1),
    createdBy: text("created_by"),
    createdAt: text("created_at").notNull().default(now),
    startedAt: text("started_at"),
    finishedAt: text("finished_at"),
    durationMs: integer("duration_ms"),
    progressPercent: integer("progress_percent"),
    progressMessage: text("progress_message"),
    /** The execution this one re-ran, when it was started with "re-run". */
    rerunOf: text("rerun_of"),
    /** A queued execution does not start before this time (retry backoff). */
    notBefore: text("not_before"),
    /** Scheduled runs: the slot (UTC ISO minute) this execution was claimed for. */
    scheduledFor: text("scheduled_for"),
    /** The host whose runners run it while running: a restarting host closes its own, only. */
    hostId: text("host_id"),
    /** The timeout it runs with, fixed when it starts (the script's may change meanwhile). */
    timeoutMs: integer("timeout_ms"),
    /** Event deliveries: the event (the publisher's id) this execution delivers. */
    eventId: text("event_id"),
    /** Event deliveries: the failed attempt this one retries. */
    retryOf: text("retry_of"),
    /** The script's outbound HTTP requests: JSON list of {method, host, url, status, bytes, ms, refused?}. */
    outbound: text("outbound"),
    /** Event deliveries: whether a failed attempt's retry or dead letter has been recorded. */
    followedUp: integer("followed_up", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [
    uniqueIndex("executions_retry_of").on(t.retryOf).where(sql`retry_of IS NOT NULL`),
    index("executions_follow_up").on(t.trigger, t.followedUp, t.status),
    // One record per schedule slot: the claim itself, so two hosts never run a slot twice.
    uniqueIndex("executions_script_slot").on(t.scriptId, t.scheduledFor).where(sql`scheduled_for IS NOT NULL`),
    // History, newest first, a page at a time: each filter of the list (none, script, status,
    // trigger, script and status) has an index that starts with its equalities and then orders by
    // (created_at, id), so a page, the first or a deep one by its cursor, and a time range are
    // one range of it. A filter left over (trigger beside a script or a status) is checked on the
    // index's trailing columns, without reading rows.
    index("executions_tenant_created").on(t.tenantId, t.createdAt, t.id),
    index("executions_tenant_script_created").on(t.tenantId, t.scriptId, t.createdAt, t.id, t.trigger),
    index("executions_tenant_script_status").on(t.tenantId, t.scriptId, t.status, t.createdAt, t.id, t.trigger),
    // Also covers the queued input bytes a tenant's queue budget counts, without reading rows.
    index("executions_tenant_status_created").on(t.tenantId, t.status, t.createdAt, t.id, t.trigger, t.inputBytes),
    index("executions_tenant_trigger_created").on(t.tenantId, t.trigger, t.createdAt, t.id, t.status),
    index("executions_script_created").on(t.scriptId, t.createdAt, t.id),
    // A schedule slot's "is the previous run still going?": only open runs, a handful at most,
    // instead of walking a script's whole history (28 ms a claim at 30 days of every-minute runs).
    index("executions_script_open").on(t.scriptId, t.createdAt).where(sql`status IN ('running', 'queued')`),
    // Status alone (the global running count), and each tenant with work waiting, found by
    // seeking from one tenant to the next rather than reading every waiting row.
    index("executions_status_tenant").on(t.status, t.tenantId),
    // The queue: the oldest waiting execution is found by walking this, not by sorting.
    index("executions_queue").on(t.status, t.createdAt, t.id),
  ],
);

export const executionLogs = sqliteTable(
  "execution_logs",
  {
    executionId: text("execution_id")
      .notNull()
      .references(() => executions.id),
    seq: integer("seq").notNull(),
    level: text("level", { enum: ["debug", "info", "warn", "error"] }).notNull(),
    message: text("message").notNull(),
    at: text("at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.executionId, t.seq] })],
);

/** Bytes of execution history each tenant recorded per UTC day, against its daily budget. */
export const historyDays = sqliteTable(
  "history_days",
  {
    tenantId: text("tenant_id").notNull(),
    /** YYYY-MM-DD, UTC. */
    day: text("day").notNull(),
    bytes: integer("bytes").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.day] })],
);

/**
 * Tenants whose runs were sent back to the queue because no runner process could be had: their
 * queue is not claimed before `until`, so the queue neither spins on them nor reorders them.
 */
export const runnerWaits = sqliteTable("runner_waits", {
  tenantId: text("tenant_id").primaryKey(),
  until: text("until").notNull(),
});

/**
 * Drafts tried on a script's recent real inputs in shadow mode (POST /admin/api/scripts/:id/try),
 * recorded apart from the history. While one runs it holds `slots` of its tenant's concurrency
 * limit, which admission counts beside running executions, until `heldUntil` at the latest (a
 * dispatcher that died mid-trial holds nothing after that).
 */
export const shadowTrials = sqliteTable(
  "shadow_trials",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    scriptId: text("script_id")
      .notNull()
      .references(() => scripts.id),
    /** sha256 of the draft's code as it ran. */
    codeHash: text("code_hash").notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: text("created_at").notNull().default(now),
    finishedAt: text("finished_at"),
    slots: integer("slots").notNull().default(0),
    heldUntil: text("held_until"),
    /** The trial's answer as JSON, once finished. */
    result: text("result"),
  },
  (t) => [
    index("shadow_trials_script").on(t.tenantId, t.scriptId, t.createdAt),
    // Admission sums the slots a tenant's trials hold: only rows holding some are indexed.
    index("shadow_trials_holding").on(t.tenantId, t.heldUntil, t.slots).where(sql`slots > 0`),
    index("shadow_trials_created").on(t.createdAt),
  ],
);

/** Domain events accepted from the platform, stored before they are acknowledged. */
export const events = sqliteTable(
  "events",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    id: text("id").notNull(),
    type: text("type").notNull(),
    payload: text("payload").notNull(),
    occurredAt: text("occurred_at").notNull(),
    receivedAt: text("received_at").notNull().default(now),
    deliveries: integer("deliveries").notNull(),
    /** How many event deliveries led to this event: 0 from outside, the publisher's + 1 after. */
    depth: integer("depth").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.id] })],
);

/** Event deliveries that failed every attempt, kept for inspection and replay. */
export const deadLetters = sqliteTable(
  "dead_letters",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    scriptId: text("script_id")
      .notNull()
      .references(() => scripts.id),
    eventId: text("event_id").notNull(),
    /** The last failed attempt. */
    executionId: text("execution_id").notNull().unique(),
    attempts: integer("attempts").notNull(),
    errorCode: text("error_code"),
    errorMessage: text("error_message"),
    createdAt: text("created_at").notNull().default(now),
    replayedAt: text("replayed_at"),
    replayExecutionId: text("replay_execution_id"),
  },
  (t) => [index("dead_letters_tenant").on(t.tenantId, t.createdAt)],
);

/** One message to one channel, kept until it is delivered (or given up on). */
export const alertDeliveries = sqliteTable(
  "alert_deliveries",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    scriptId: text("script_id").notNull(),
    executionId: text("execution_id"),
    channel: text("channel", { enum: ["email", "webhook"] }).notNull(),
    target: text("target").notNull(),
    subject: text("subject").notNull(),
    body: text("body").notNull(),
    status: text("status", { enum: ["pending", "sent", "failed"] })
      .notNull()
      .default("pending"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: text("next_attempt_at").notNull(),
    lastError: text("last_error"),
    createdAt: text("created_at").notNull().default(now),
    sentAt: text("sent_at"),
  },
  (t) => [index("alert_deliveries_due").on(t.status, t.nextAttemptAt), index("alert_deliveries_tenant").on(t.tenantId, t.createdAt)],
);

/** Whether an alert of a script is open, and what was held back while it was throttled. */
export const alertState = sqliteTable(
  "alert_state",
  {
    scriptId: text("script_id").notNull(),
    ruleKey: text("rule_key").notNull(),
    tenantId: text("tenant_id").notNull(),
    open: integer("open", { mode: "boolean" }).notNull().default(false),
    lastSentAt: text("last_sent_at"),
    held: integer("held").notNull().default(0),
    lastExecutionId: text("last_execution_id"),
    lastError: text("last_error"),
  },
  (t) => [primaryKey({ columns: [t.scriptId, t.ruleKey] })],
);

/** Periodic jobs shared by every host: the next time each may run, claimed compare-and-set. */
export const maintenance = sqliteTable("maintenance", {
  job: text("job").primaryKey(),
  nextAt: text("next_at").notNull(),
});

/** Per-tenant named secrets, AES-GCM encrypted with the host's key; never read back by the API. */
export const secrets = sqliteTable(
  "secrets",
  {
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    name: text("name").notNull(),
    ciphertext: text("ciphertext").notNull(),
    updatedAt: text("updated_at").notNull().default(now),
    updatedBy: text("updated_by").notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.name] })],
);

export const users = sqliteTable("users", {
  id: text("id").primaryKey(),
  username: text("username").notNull().unique(),
  passwordHash: text("password_hash").notNull(),
  platformAdmin: integer("platform_admin", { mode: "boolean" }).notNull().default(false),
  createdAt: text("created_at").notNull().default(now),
  disabledAt: text("disabled_at"),
});

export const memberships = sqliteTable(
  "memberships",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    role: text("role", { enum: ["owner", "admin", "developer", "viewer"] }).notNull(),
    createdAt: text("created_at").notNull().default(now),
  },
  (t) => [primaryKey({ columns: [t.userId, t.tenantId] }), index("memberships_tenant").on(t.tenantId)],
);

export const sessions = sqliteTable(
  "sessions",
  {
    /** sha256 of the cookie value: a stolen database does not hand out live sessions. */
    idHash: text("id_hash").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    csrfToken: text("csrf_token").notNull(),
    createdAt: text("created_at").notNull().default(now),
    expiresAt: text("expires_at").notNull(),
  },
  (t) => [index("sessions_user").on(t.userId)],
);

/** Failed sign-ins per username and per client, to slow password guessing. */
export const signInFailures = sqliteTable("sign_in_failures", {
  key: text("key").primaryKey(),
  failures: integer("failures").notNull(),
  windowStart: text("window_start").notNull(),
  lockedUntil: text("locked_until"),
});

/**
 * The hosts sharing this database, each with where the others reach its peer listener: a live
 * view opened through one host follows a run on another by asking that host (host/peer-server.ts).
 */
export const hosts = sqliteTable("hosts", {
  /** HOST_ID: hostname and public port, as executions.host_id names it. */
  id: text("id").primaryKey(),
  /** host:port of its peer listener, as the other hosts dial it. */
  peerAddress: text("peer_address").notNull(),
  /** When it last said it was up (every 30 s): an older one is taken as gone. */
  seenAt: text("seen_at").notNull(),
});

export type Tenant = typeof tenants.$inferSelect;
export type DeadLetter = typeof deadLetters.$inferSelect;
export type User = typeof users.$inferSelect;
export type ApiToken = typeof apiTokens.$inferSelect;
export type Script = typeof scripts.$inferSelect;
export type ScriptVersion = typeof scriptVersions.$inferSelect;
export type Execution = typeof executions.$inferSelect;
export type ExecutionLog = typeof executionLogs.$inferSelect;
export type ShadowTrial = typeof shadowTrials.$inferSelect;
