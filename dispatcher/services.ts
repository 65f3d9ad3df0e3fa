// Wires the domain services to this deployment's bindings, once per isolate.
import { openDatabase, type Database } from "../db/open-remote.ts";
import { Admission } from "./domain/admission.ts";
import { budgetDefaults } from "./env.ts";
import { DeadLetterService } from "./domain/dead-letters.ts";
import { GroupCommit } from "./domain/group-commit.ts";
import { ExecutionService } from "./domain/executions.ts";
import { livePeer } from "./domain/hosts.ts";
import { RunService } from "./domain/runs.ts";
import { Scheduler } from "./domain/scheduler.ts";
import { EmbeddedService } from "./domain/embedded.ts";
import { EndpointService } from "./domain/endpoints.ts";
import { EventService } from "./domain/events.ts";
import { Vault } from "./domain/vault.ts";
import { LibsqlDataStore } from "./domain/data/store.ts";
import { KvStore } from "./domain/kv.ts";
import { SdkBackend } from "./domain/sdk-backend.ts";
import { allowOperatorEgress } from "./domain/alert-targets.ts";
import { AlertService } from "./domain/alerts.ts";
import { RetentionService } from "./domain/retention.ts";
import { kindOfTrigger, ScriptDirectory } from "./domain/script-directory.ts";
import { ScriptService } from "./domain/scripts.ts";
import { TenantService } from "./domain/tenants.ts";
import { TokenService } from "./domain/tokens.ts";
import { TrialService } from "./domain/shadow/trials.ts";
import { UserService } from "./domain/users.ts";
import { deviceCookiesFor } from "./domain/device-cookies.ts";
import type { Env } from "./env.ts";
import { createRunner } from "./platform/runner.ts";

export interface Services {
  db: Database;
  tenants: TenantService;
  tokens: TokenService;
  scripts: ScriptService;
  executions: ExecutionService;
  runs: RunService;
  users: UserService;
  admission: Admission;
  scheduler: Scheduler;
  vault: Vault;
  endpoints: EndpointService;
  embedded: EmbeddedService;
  events: EventService;
  deadLetters: DeadLetterService;
  sdk: SdkBackend;
  alerts: AlertService;
  retention: RetentionService;
  trials: TrialService;
}

let cached: { env: Env; services: Services } | undefined;

export function servicesFor(env: Env): Services {
  if (cached?.env === env) return cached.services;
  const db = openDatabase(env);
  if (!env.SECRETS_KEY) {
    // Without it tenant secrets cannot be sealed and browsers cannot be recognised at sign-in,
    // so a stranger's failed sign-ins lock a username for its owner too.
    console.warn(
      JSON.stringify({
        level: "warn",
        event: "config.no_secrets_key",
        message: "SECRETS_KEY is not set: secrets are unavailable and sign-in locks apply to every browser",
      }),
    );
  }
  allowOperatorEgress(env.EGRESS_ALLOW);
  const maxMemoryMb = Number(env.MAX_MEMORY_MB ?? "256");
  const budgets = budgetDefaults(env);
  const tenants = new TenantService(db, budgets);
  const directory = new ScriptDirectory(db, tenants);
  const scripts = new ScriptService(db, maxMemoryMb, directory);
  const executions = new ExecutionService(db, env.LOST_RUN_GRACE_MS ? { lostRunGraceMs: Number(env.LOST_RUN_GRACE_MS) } : {});
  const writes = new GroupCommit(db.$batch);
  const admission = new Admission(
    db,
    {
      tenantDefault: Number(env.TENANT_CONCURRENCY ?? "10"),
      global: Number(env.GLOBAL_CONCURRENCY ?? "50"),
      budgets,
    },
    writes,
    env.HOST_ID ?? null,
  );
  const alerts = new AlertService(db, directory, { windowMs: Number(env.ALERT_WINDOW_MS ?? 15 * 60_000), adminUrl: env.PUBLIC_URL ?? "" });
  const runs = new RunService(
    scripts,
    executions,
    admission,
    createRunner(env),
    (job, result) =>
      alerts.onOutcome(
        { id: job.scriptId, tenantId: job.tenantId, kind: kindOfTrigger(job.trigger) },
        { executionId: job.executionId, status: result.status, trigger: job.trigger, version: job.version, errorMessage: result.error?.message ?? null },
      ),
    (hostId) => livePeer(db, hostId),
  );
  const tokens = new TokenService(db, tenants);
  const vault = new Vault(db, env.SECRETS_KEY);
  const events = new EventService(db, runs, tenants, alerts, directory, admission, writes);
  const services: Services = {
    db,
    tenants,
    tokens,
    scripts,
    executions,
    runs,
    admission,
    scheduler: new Scheduler(db, admission, runs),
    vault,
    endpoints: new EndpointService(directory, tokens, vault),
    embedded: new EmbeddedService(directory, scripts, runs),
    events,
    deadLetters: new DeadLetterService(db, admission, writes, runs),
    alerts,
    retention: new RetentionService(db),
    trials: new TrialService(db, scripts, admission, runs.runner),
    sdk: new SdkBackend(db, new LibsqlDataStore(db), new KvStore(db), vault, events),
    users: new UserService(db, deviceCookiesFor(env.SECRETS_KEY)),
  };
  cached = { env, services };
  return services;
}
