// Each kind's trigger settings. A request carries them beside the fields every script has; they
// are stored, completed with their defaults, as the script's `config`.
import * as z from "zod";
import { list, patterned, wholeNumber } from "./common.ts";
import { cronExpression, mustRun, timeZone } from "./schedule.ts";

export const httpMethods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] as const;
export const httpMethod = z.enum(httpMethods, { error: `must be among ${httpMethods.join(", ")}` });
export type HttpMethod = z.infer<typeof httpMethod>;

export const missedPolicy = z
  .enum(["catch_up", "skip"])
  .meta({ description: "After downtime: run the latest missed slot once (`catch_up`) or only record it (`skip`)." });
export type MissedPolicy = z.infer<typeof missedPolicy>;

export const httpAccess = z
  .enum(["public", "token", "hmac"])
  .meta({ description: "Who may call: anyone, an API token of the tenant, or a request signed with `hmacSecret`." });
export type HttpAccess = z.infer<typeof httpAccess>;

const eventPattern = /^[a-z0-9_]+(\.[a-z0-9_]+)*(\.\*)?$|^\*$/;

/** Each kind's settings as a request gives them: required ones required, no defaults. */
export const settingsFields = {
  scheduled: {
    cron: cronExpression,
    timezone: timeZone.optional(),
    missedPolicy: missedPolicy.optional(),
  },
  http: {
    path: z
      .string({ error: (issue) => (issue.input === undefined ? 'is required for an http script (like "/orders/:id")' : undefined) })
      .min(1)
      .max(200)
      .regex(/^\/[A-Za-z0-9_.:/-]*$/, { error: 'must start with "/" and use only letters, digits, "_", ".", "-", ":" and "/"' })
      .meta({ description: "Under `/api/scripts`; `:name` segments become `ctx.params`.", example: "/orders/:id" }),
    methods: list(httpMethod, httpMethods.length)
      .overwrite((methods) => [...new Set(methods)])
      .optional()
      .meta({ description: 'Default `["POST"]`.' }),
    access: httpAccess.optional(),
    hmacSecret: patterned(64, /^[A-Za-z_][A-Za-z0-9_]*$/, "must name a secret, like STRIPE_WEBHOOK_SECRET")
      .optional()
      .meta({ description: "The name of the tenant secret that signs requests, when `access` is `hmac`." }),
    hmacHeader: patterned(100, /^[A-Za-z0-9-]+$/, "must be a header name")
      .toLowerCase()
      .optional(),
    hmacScheme: z.enum(["sha256-hex", "stripe"]).optional(),
  },
  event: {
    events: list(patterned(200, eventPattern, 'must be event types like "payment.processed" or prefixes like "payment.*"'), 100)
      .min(1, { error: "is required for an event script: at least one event type" })
      .meta({ description: "Event types (`payment.processed`) or prefixes (`payment.*`).", example: ["payment.processed"] }),
    maxAttempts: wholeNumber(1, 20).optional().meta({ description: "Default 5." }),
  },
  manual: {},
  embedded: {},
} as const;

function signedNeedsSecret(config: { access?: string | undefined; hmacSecret?: string | undefined }, ctx: z.RefinementCtx): void {
  if (config.access === "hmac" && !config.hmacSecret) {
    ctx.addIssue({
      code: "custom",
      path: ["hmacSecret"],
      message: "is required when access is hmac: the name of the secret that signs requests",
      input: config,
    });
  }
}

/** The checks between a kind's settings, for a create (all given) and a stored config alike. */
export const settingsChecks = { scheduled: mustRun, http: signedNeedsSecret } as const;

// The stored config: the settings with their defaults, and the checks between them.
const scheduledConfig = z
  .object({ ...settingsFields.scheduled, timezone: timeZone.default("UTC"), missedPolicy: missedPolicy.default("catch_up") })
  .superRefine(mustRun)
  .meta({ id: "ScheduledConfig" });

const httpConfig = z
  .object({ ...settingsFields.http, methods: settingsFields.http.methods.unwrap().default(["POST"]), access: httpAccess.default("token") })
  .superRefine(signedNeedsSecret)
  .meta({ id: "HttpConfig" });

const eventConfig = z.object({ ...settingsFields.event, maxAttempts: wholeNumber(1, 20).default(5) }).meta({ id: "EventConfig" });

const noConfig = z.object({}).meta({ id: "NoConfig" });

/** Each kind's `config`: what is stored and answered. */
export const configs = { scheduled: scheduledConfig, http: httpConfig, event: eventConfig, manual: noConfig, embedded: noConfig } as const;

export type ScriptConfigs = { [K in keyof typeof configs]: z.output<(typeof configs)[K]> };
export type ScheduledConfig = ScriptConfigs["scheduled"];
export type HttpConfig = ScriptConfigs["http"];
export type EventConfig = ScriptConfigs["event"];
