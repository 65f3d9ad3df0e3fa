// Signing in and out, switching tenant, who the caller is, and join codes.
import { joinCode, me, signInRequest, tenantChoice } from "../../schemas/access.ts";
import { meExample } from "../examples.ts";
import { body, json, route } from "../operation.ts";

const tag = "Session";

export const sessionRoutes = [
  route("post", "/admin/api/session", "signIn", {
    tag,
    who: "public",
    summary: "Sign in",
    description:
      "Answers who signed in and sets the session cookie; send the answer's `csrfToken` back as `X-CSRF-Token` on every write. Without `tenant`, the session opens in the user's oldest membership. Repeated failures lock the username for a while (per browser where one is recognised).",
    body: body(signInRequest, { username: "dana", password: "correct horse battery", tenant: "acme" }),
    answers: [json(200, "Signed in.", me, meExample)],
    errors: {
      401: "Wrong username or password (the same answer for both).",
      403: "The user belongs to no tenant.",
      429: "Too many failed sign-ins: wait `Retry-After` seconds.",
    },
  }),
  route("delete", "/admin/api/session", "signOut", {
    tag,
    who: "any credential",
    summary: "Sign out",
    description: "Ends the session the cookie names; an API token is unaffected.",
    answers: [{ status: 204, description: "Signed out." }],
  }),
  route("post", "/admin/api/session/tenant", "switchTenant", {
    tag,
    who: "signed-in user",
    summary: "Move the session to another of the user's tenants",
    body: body(tenantChoice, { tenant: "globex" }),
    answers: [json(200, "The session now acts in that tenant.", me, { ...meExample, tenant: { id: "ten_01jq3v2k7c9x9n", slug: "globex" } })],
    errors: { 400: "Only a signed-in user has a session to switch." },
  }),
  route("get", "/admin/api/me", "getMe", {
    tag,
    who: "any credential",
    summary: "Who I am: my tenant, role, permissions and tenants",
    answers: [json(200, "The caller.", me, meExample)],
  }),
  route("post", "/admin/api/me/join-code", "createJoinCode", {
    tag,
    who: "signed-in user",
    summary: "A join code that lets a tenant's owner add me",
    description:
      "Hand the code to the tenant's owner: they add you with `POST /admin/api/users {joinCode, role}` within 24 hours. Changing your password voids it.",
    body: body(tenantChoice, { tenant: "globex" }),
    answers: [json(200, "The code.", joinCode, { joinCode: "iota_join_eyJ1IjoidXNyXzAxIn0.3q2-7w", tenant: "globex", expiresAt: "2026-11-25T09:30:00.000Z" })],
    errors: { 400: "An API token cannot make a join code: it belongs to a tenant, not a person." },
  }),
];
