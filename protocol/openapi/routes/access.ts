// Tenants, their settings and usage, API tokens and users.
import * as z from "zod";
import { addUserRequest, createdToken, createTokenRequest, member, memberSummary, tokenSummary } from "../../schemas/access.ts";
import { id, itemsOf } from "../../schemas/common.ts";
import {
  createTenantRequest,
  runnerStats,
  tenant,
  tenantListItem,
  tenantSettings,
  tenantUsage,
  updateSettingsRequest,
  updateTenantRequest,
} from "../../schemas/tenants.ts";
import { tenantExample, usageExample } from "../examples.ts";
import { body, json, route } from "../operation.ts";

const at = "2026-11-24T09:30:00.000Z";
const settingsExample = { alerts: tenantExample.alerts, retentionDays: 30, egressAllow: ["api.stripe.com"], egressDeny: [], budgets: usageExample.budgets };

export const accessRoutes = [
  route("post", "/admin/api/tenants", "createTenant", {
    tag: "Tenants",
    who: "platform admin",
    summary: "Create a tenant",
    body: body(createTenantRequest, { slug: "acme", name: "Acme Corp", domains: ["acme.example.com"], maxConcurrency: 10 }),
    answers: [json(201, "Created.", tenant, tenantExample)],
    errors: { 409: "The slug, or one of the domains, belongs to another tenant." },
  }),
  route("get", "/admin/api/tenants", "listTenants", {
    tag: "Tenants",
    who: "platform admin",
    summary: "Every tenant, with how busy it is now",
    answers: [json(200, "The tenants, by slug.", itemsOf(tenantListItem), { items: [{ ...tenantExample, usage: usageExample }] })],
  }),
  route("patch", "/admin/api/tenants/{slug}", "updateTenant", {
    tag: "Tenants",
    who: "platform admin",
    summary: "Change a tenant: name, domains, limits, budgets, settings",
    description: "Only what is sent changes; `null` puts a limit or budget back to the platform's default.",
    params: z.object({ slug: z.string().meta({ example: "acme" }) }),
    body: body(updateTenantRequest, { maxConcurrency: 20, maxQueued: null }),
    answers: [json(200, "The tenant as it is now.", tenant, { ...tenantExample, maxConcurrency: 20 })],
    errors: { 409: "A domain belongs to another tenant." },
  }),
  route("get", "/admin/api/runners", "getRunners", {
    tag: "Tenants",
    who: "platform admin",
    summary: "Runner processes, how they are bounded, and penalised tenants",
    answers: [
      json(200, "The runners.", runnerStats, {
        containment: "cgroup-v1",
        maxProcesses: 32,
        shards: [{ name: "runner-3", pid: 4812, owner: "acme", tierMb: 256, limitMb: 272, residentMb: 41.5, running: 1, restarts: 0 }],
        penalisedTenants: [],
        egressRefusals: 0,
      }),
    ],
  }),
  route("get", "/admin/api/settings", "getSettings", {
    tag: "Tenants",
    who: "tokens.manage",
    summary: "The caller's tenant settings, and its budgets as they apply",
    answers: [json(200, "The settings.", tenantSettings, settingsExample)],
  }),
  route("patch", "/admin/api/settings", "updateSettings", {
    tag: "Tenants",
    who: "tokens.manage",
    summary: "Change the caller's tenant settings: alerts, retention, egress lists",
    description: "Budgets and limits are a platform admin's (`PATCH /admin/api/tenants/{slug}`).",
    body: body(updateSettingsRequest, { retentionDays: 60, egressAllow: ["api.stripe.com"] }),
    answers: [json(200, "The settings as they are now.", tenantSettings, { ...settingsExample, retentionDays: 60 })],
  }),
  route("get", "/admin/api/usage", "getUsage", {
    tag: "Tenants",
    who: "any credential",
    summary: "What the caller's tenant runs, holds waiting and recorded today, against its limits",
    answers: [json(200, "The usage.", tenantUsage, usageExample)],
  }),
  route("post", "/admin/api/tokens", "createToken", {
    tag: "Tokens",
    who: "tokens.manage",
    summary: "Create an API token",
    description: "The token is in this answer only; it is stored hashed. No role can mint a token stronger than itself.",
    body: body(createTokenRequest, { name: "billing-service", role: "developer" }),
    answers: [
      json(201, "Created.", createdToken, {
        id: "tok_01jq3v2k7c9x8m",
        name: "billing-service",
        role: "developer",
        tenant: "acme",
        token: "iota_4fJ9q2Lx7Vb1Nc8Rz3Ty6Wm0",
      }),
    ],
  }),
  route("get", "/admin/api/tokens", "listTokens", {
    tag: "Tokens",
    who: "tokens.manage",
    summary: "The tenant's live tokens (never their secrets)",
    answers: [
      json(200, "The tokens.", itemsOf(tokenSummary), {
        items: [
          { id: "tok_01jq3v2k7c9x8m", name: "billing-service", role: "developer", platformAdmin: false, createdBy: "dana (usr_01jq3v2k7c9x8m)", createdAt: at },
        ],
      }),
    ],
  }),
  route("delete", "/admin/api/tokens/{id}", "revokeToken", {
    tag: "Tokens",
    who: "tokens.manage",
    summary: "Revoke a token",
    params: z.object({ id: id("tok") }),
    answers: [{ status: 204, description: "Revoked: it stops working at once on this server, within 2 s on others." }],
  }),
  route("post", "/admin/api/users", "addUser", {
    tag: "Users",
    who: "users.manage",
    summary: "Add a member: a new user, or someone with an account by their join code",
    body: body(addUserRequest, { username: "erin", password: "a long enough password", role: "viewer" }),
    answers: [json(201, "Added.", member, { id: "usr_01jq3v2k7c9x8m", username: "erin", role: "viewer" })],
    errors: { 409: "The username is taken, or the person is already a member.", 429: "Too many taken usernames tried: wait a minute." },
  }),
  route("get", "/admin/api/users", "listUsers", {
    tag: "Users",
    who: "users.manage",
    summary: "The tenant's members",
    answers: [json(200, "The members.", itemsOf(memberSummary), { items: [{ id: "usr_01jq3v2k7c9x8m", username: "erin", role: "viewer", createdAt: at }] })],
  }),
  route("delete", "/admin/api/users/{id}", "removeUser", {
    tag: "Users",
    who: "users.manage",
    summary: "Remove a member from the tenant (their sessions there end)",
    params: z.object({ id: id("usr") }),
    answers: [{ status: 204, description: "Removed." }],
    errors: { 409: "You cannot remove yourself." },
  }),
];
