// Who may use the platform: signing in, the caller's identity, API tokens and users.
import * as z from "zod";
import { permissions, roles } from "../roles.ts";
import { closed, id, instant, patterned, text } from "./common.ts";

export const role = z.enum(roles, { error: (issue) => `${issue.input === undefined ? "is required:" : "must be"} one of ${roles.join(", ")}` });
const slug = text(63, 1).meta({ example: "acme-corp" });

/** `POST /admin/api/session`. Without `tenant`, the session opens in the user's oldest membership. */
export const signInRequest = closed({ username: text(100, 1), password: text(200, 1), tenant: slug.optional() }).meta({ id: "SignInRequest" });

/** `POST /admin/api/session/tenant`, `POST /admin/api/me/join-code`: a tenant by its slug. */
export const tenantChoice = closed({ tenant: slug }).meta({ id: "TenantChoice" });

export const me = z
  .object({
    name: z.string(),
    tenant: z.object({ id: z.string(), slug: z.string() }),
    role,
    platformAdmin: z.boolean(),
    permissions: z.array(z.enum(permissions)),
    tenants: z
      .array(z.object({ slug: z.string(), name: z.string(), role }))
      .meta({ description: "The tenants a signed-in user belongs to (one entry for an API token)." }),
    csrfToken: z.string().optional().meta({ description: "Cookie sessions: send it back as `X-CSRF-Token` on every non-GET request." }),
  })
  .meta({ id: "Me" });

export const joinCode = z
  .object({ joinCode: z.string(), tenant: z.string(), expiresAt: instant })
  .meta({ id: "JoinCode", description: "Hand it to the tenant's owner: they add you with `POST /admin/api/users {joinCode, role}` within 24 hours." });

/** `POST /admin/api/tokens`. */
export const createTokenRequest = closed({
  name: text(100, 1),
  role,
  tenant: slug.optional().meta({ description: "Platform admins only: a token of another tenant." }),
}).meta({ id: "CreateTokenRequest" });

export const createdToken = z
  .object({ id: id("tok"), name: z.string(), role, tenant: z.string(), token: z.string().meta({ description: "Shown this once; stored hashed." }) })
  .meta({ id: "CreatedToken" });

export const tokenSummary = z
  .object({ id: id("tok"), name: z.string(), role, platformAdmin: z.boolean(), createdBy: z.string().nullable(), createdAt: instant })
  .meta({ id: "TokenSummary" });

/** `POST /admin/api/users`: `{username, password, role}` for a new user, `{joinCode, role}` for someone with an account. */
export const addUserRequest = closed({
  username: patterned(100, /^[A-Za-z0-9][A-Za-z0-9_.@-]*$/, 'must use letters, digits, "_", ".", "@" and "-"').optional(),
  password: z.string().optional().meta({ description: "For a new user: 10 to 200 characters." }),
  role,
  joinCode: text(1000, 1).optional().meta({ description: "Made by the person joining (`POST /admin/api/me/join-code`)." }),
})
  .superRefine((body, ctx) => {
    if (body.joinCode !== undefined && (body.username !== undefined || body.password !== undefined)) {
      ctx.addIssue({ code: "custom", path: ["joinCode"], message: "send a joinCode with only the role: the code names its user", input: body });
    } else if (body.joinCode === undefined && body.username === undefined) {
      ctx.addIssue({ code: "custom", path: ["username"], message: "is required (or a joinCode, for someone who already has an account)", input: body });
    }
  })
  .meta({ id: "AddUserRequest" });

export const member = z.object({ id: id("usr"), username: z.string(), role }).meta({ id: "Member" });
export const memberSummary = member.extend({ createdAt: instant }).meta({ id: "MemberSummary" });
