// Tenants (one per customer company), their settings, budgets and usage.
import * as z from "zod";
import { alertRule, alertRules } from "./alerts.ts";
import { closed, id, instant, list, patterned, text, wholeNumber } from "./common.ts";

export const tenantSlug = patterned(63, /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, 'must be lowercase letters, digits and inner hyphens, like "acme-corp"').meta({
  example: "acme-corp",
});

/** A host name a tenant's endpoints answer on: lowercase, no port. */
export const domainName = patterned(
  253,
  /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/,
  'must be host names like "acme.example.com" (lowercase, no port)',
);

const egressHosts = list(patterned(253, /^(\*\.)?[a-z0-9.-]+$/, 'must be host names like "api.stripe.com" or "*.example.com"'), 200);

const mb = 1024 * 1024;
// A byte budget below 1 MB could refuse a single valid input (up to 1 MB) forever.
const budgetFields = {
  maxQueued: wholeNumber(1, 1_000_000)
    .nullable()
    .optional()
    .meta({ description: "Executions that may wait in the queue at once; null for the platform's default." }),
  maxQueuedBytes: wholeNumber(mb, 1024 * 1024 * mb)
    .nullable()
    .optional()
    .meta({ description: "Total input bytes of the executions waiting; null for the default." }),
  maxHistoryBytesPerDay: wholeNumber(mb, 1024 * 1024 * mb)
    .nullable()
    .optional()
    .meta({ description: "Bytes of execution history recorded per UTC day; null for the default." }),
};
const dedupe = (values: string[]) => [...new Set(values)];
const domains = list(domainName, 20).overwrite(dedupe).meta({ description: "Host names whose `/api/scripts/*` are this tenant's endpoints." });

/** `POST /admin/api/tenants`. */
export const createTenantRequest = closed({
  slug: tenantSlug,
  name: text(200, 1),
  domains: domains.optional(),
  maxConcurrency: wholeNumber(1, 1000).optional().meta({ description: "Running executions at once; the platform's default when left out." }),
  ...budgetFields,
}).meta({ id: "CreateTenantRequest" });

/** `GET`/`PATCH /admin/api/settings`: what a tenant's owners and admins change themselves. */
const settingsFields = {
  alerts: alertRules.optional().meta({ description: "Defaults for scripts without their own." }),
  retentionDays: wholeNumber(1, 3650).optional().meta({ description: "Days history and dead letters are kept." }),
  egressAllow: egressHosts.optional().meta({ description: "Hosts scripts may call; empty means any public host." }),
  egressDeny: egressHosts.optional().meta({ description: "Hosts scripts may never call; wins over the allow list." }),
};
export const updateSettingsRequest = closed(settingsFields).meta({ id: "UpdateSettingsRequest" });

/** `PATCH /admin/api/tenants/:slug`: a platform admin changes anything but the slug. */
export const updateTenantRequest = closed({
  name: text(200, 1).optional(),
  domains: domains.optional(),
  maxConcurrency: wholeNumber(1, 1000).nullable().optional().meta({ description: "null for the platform's default." }),
  ...settingsFields,
  ...budgetFields,
}).meta({ id: "UpdateTenantRequest" });

export const tenantBudgets = z
  .object({
    maxQueued: z.int().meta({ description: "Executions that may wait in the queue at once." }),
    maxQueuedBytes: z.int().meta({ description: "Total input bytes of the executions waiting." }),
    maxHistoryBytesPerDay: z.int().meta({ description: "Bytes of execution history recorded per UTC day." }),
  })
  .meta({ id: "TenantBudgets" });
export type TenantBudgets = z.infer<typeof tenantBudgets>;

export const tenantUsage = z
  .object({
    running: z.int(),
    queued: z.int(),
    limit: z.int().meta({ description: "Concurrent executions allowed." }),
    queuedBytes: z.int(),
    historyBytesToday: z.int().meta({ description: "History bytes recorded this UTC day." }),
    budgets: tenantBudgets,
  })
  .meta({ id: "TenantUsage" });
export type TenantUsage = z.infer<typeof tenantUsage>;

export const tenant = z
  .object({
    id: id("ten"),
    slug: z.string(),
    name: z.string(),
    domains: z.array(z.string()),
    maxConcurrency: z.int().nullable(),
    egressAllow: z.array(z.string()),
    egressDeny: z.array(z.string()),
    retentionDays: z.int(),
    alerts: z.array(alertRule),
    maxQueued: z.int().nullable(),
    maxQueuedBytes: z.int().nullable(),
    maxHistoryBytesPerDay: z.int().nullable(),
    createdAt: instant,
  })
  .meta({ id: "Tenant" });
export type Tenant = z.infer<typeof tenant>;

export const tenantListItem = tenant.extend({ usage: tenantUsage }).meta({ id: "TenantListItem" });

export const tenantSettings = z
  .object({ alerts: z.array(alertRule), retentionDays: z.int(), egressAllow: z.array(z.string()), egressDeny: z.array(z.string()), budgets: tenantBudgets })
  .meta({ id: "TenantSettings" });

/** `GET /admin/api/runners` (platform admins): the runner processes and penalised tenants. */
export const runnerStats = z
  .object({
    containment: z.string().optional().meta({ description: "cgroup-v1, cgroup-v2 or watchdog; absent where the platform bounds processes." }),
    maxProcesses: z.int().optional(),
    shards: z.array(
      z.object({
        name: z.string(),
        pid: z.int().optional(),
        owner: z.string().optional().meta({ description: "The tenant the process belongs to; none for a warm spare." }),
        tierMb: z.int().optional(),
        limitMb: z.int().optional(),
        residentMb: z.number().optional(),
        running: z.int(),
        restarts: z.int(),
      }),
    ),
    penalisedTenants: z.array(z.string()),
    egressRefusals: z.int().optional(),
  })
  .meta({ id: "RunnerStats" });
