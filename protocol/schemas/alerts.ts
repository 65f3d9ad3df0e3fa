// Failure alerts: rules on a script, or on its tenant as the default for its scripts.
import * as z from "zod";
import { closed, wholeNumber } from "./common.ts";

export const alertEvents = ["failed", "timed_out", "interrupted", "dead_letter"] as const;
export const alertEvent = z.enum(alertEvents);
export type AlertEvent = z.infer<typeof alertEvent>;

export const alertRule = closed({
  on: z
    .array(alertEvent, { error: `must list outcomes among: ${alertEvents.join(", ")}` })
    .default(() => [])
    .meta({ description: "Outcomes that raise this alert." }),
  afterSlots: wholeNumber(1, 1000).optional().meta({ description: "Scheduled scripts: also alert when this many slots in a row did not succeed." }),
  webhook: z
    .string()
    .regex(/^https?:\/\/\S+$/, { error: "must be an http(s) URL" })
    .optional()
    .meta({ description: "Slack, Mattermost or any JSON receiver (`{text}`)." }),
  email: z
    .string()
    .regex(/^[^\s@]+@[^\s@]+$/, { error: "must be an email address" })
    .optional(),
})
  .superRefine((rule, ctx) => {
    if (!rule.webhook && !rule.email) ctx.addIssue({ code: "custom", message: "needs a channel: webhook, email, or both", input: rule });
    else if (rule.on.length === 0 && rule.afterSlots === undefined)
      ctx.addIssue({ code: "custom", path: ["on"], message: 'is empty: give "on" or "afterSlots"', input: rule });
  })
  .meta({ id: "AlertRule", example: { on: ["failed", "timed_out"], email: "ops@example.com" } });
export type AlertRule = z.output<typeof alertRule>;

const rulesHint = 'must be a list of at most 20 rules like {"on": ["failed"], "email": "ops@example.com"}';
export const alertRules = z.array(alertRule, { error: rulesHint }).max(20, { error: rulesHint });
