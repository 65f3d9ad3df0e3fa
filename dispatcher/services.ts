// Wires the domain services to this deployment's bindings, once per isolate.
import { openDatabase } from "../db/open-remote.ts";
import { Admission } from "./domain/admission.ts";
import { ExecutionService } from "./domain/executions.ts";
import { RunService } from "./domain/runs.ts";
import { Scheduler } from "./domain/scheduler.ts";
import { EmbeddedService } from "./domain/embedded.ts";
import { EndpointService } from "./domain/endpoints.ts";
import { EventService } from "./domain/events.ts";
import { Vault } from "./domain/vault.ts";
import { LibsqlDataStore } from "./domain/data/store.ts";
import { KvStore } from "./domain/kv.ts";
import { SdkBackend } from "./domain/sdk-backend.ts";
import { ScriptService } from "./domain/scripts.ts";
import { TenantService } from "./domain/tenants.ts";
import { TokenService } from "./domain/tokens.ts";
import { UserService } from "./domain/users.ts";
import type { Env } from "./env.ts";
import { createRunner } from "./platform/runner.ts";

export interface Services {
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
  sdk: SdkBackend;
}

let cached: { env: Env; services: Services } | undefined;

export function servicesFor(env: Env): Services {
  if (cached?.env === env) return cached.services;
  const db = openDatabase(env);
  const maxMemoryMb = Number(env.MAX_MEMORY_MB ?? "256");
  const tenants = new TenantService(db);
  const scripts = new ScriptService(db, maxMemoryMb);
  const executions = new ExecutionService(db);
  const admission = new Admission(db, {
    tenantDefault: Number(env.TENANT_CONCURRENCY ?? "10"),
    global: Number(env.GLOBAL_CONCURRENCY ?? "50"),
  });
  const runs = new RunService(scripts, executions, admission, createRunner(env));
  const tokens = new TokenService(db, tenants);
  const vault = new Vault(db, env.SECRETS_KEY);
  const events = new EventService(db, runs, tenants);
  const services: Services = {
    tenants,
    tokens,
    scripts,
    executions,
    runs,
    admission,
    scheduler: new Scheduler(db, admission, runs),
    vault,
    endpoints: new EndpointService(db, tokens, vault),
    embedded: new EmbeddedService(db, scripts, runs),
    events,
    sdk: new SdkBackend(db, new LibsqlDataStore(db), new KvStore(db), vault, events),
    users: new UserService(db),
  };
  cached = { env, services };
  return services;
}
