// Alert rules as a form holds them (text in inputs) and as the API takes them, checked with the
// API's own schema so the form says what the server would.
import type { AlertEvent, AlertRule } from "../../../../protocol/api.ts";
import { alertEvents, alertRule } from "../../../../protocol/schemas/alerts.ts";
import { apiMessages, issueField, sentence } from "../../../../protocol/schemas/problems.ts";

export { alertEvents };

export interface RuleDraft {
  on: AlertEvent[];
  afterSlots: string;
  email: string;
  webhook: string;
}

export const eventLabel: Record<AlertEvent, string> = {
  failed: "Failed",
  timed_out: "Timed out",
  interrupted: "Interrupted",
  dead_letter: "Dead-lettered",
};

export const blankRule = (): RuleDraft => ({ on: ["failed", "timed_out"], afterSlots: "", email: "", webhook: "" });

export function ruleDraftOf(rule: AlertRule): RuleDraft {
  return { on: [...rule.on], afterSlots: rule.afterSlots === undefined ? "" : String(rule.afterSlots), email: rule.email ?? "", webhook: rule.webhook ?? "" };
}

/** What the API is sent: empty inputs left out. */
export function ruleOf(d: RuleDraft): AlertRule {
  return {
    on: d.on,
    ...(d.afterSlots.trim() ? { afterSlots: Number(d.afterSlots) } : {}),
    ...(d.email.trim() ? { email: d.email.trim() } : {}),
    ...(d.webhook.trim() ? { webhook: d.webhook.trim() } : {}),
  };
}

/** What is wrong with one rule, in the API's words, or undefined. */
export function ruleProblem(d: RuleDraft): string | undefined {
  const result = alertRule.safeParse(ruleOf(d), { error: apiMessages });
  const issue = result.error?.issues[0];
  return issue ? sentence(issueField(issue), issue.message) : undefined;
}

/** A rule in a sentence, for lists: "Failed or timed out → ops@example.com". */
export function describeRule(rule: AlertRule): string {
  const when = [...rule.on.map((e) => eventLabel[e].toLowerCase()), ...(rule.afterSlots ? [`${rule.afterSlots} slots in a row not succeeding`] : [])].join(
    " or ",
  );
  const to = [rule.email, rule.webhook && `webhook ${hostOf(rule.webhook)}`].filter(Boolean).join(" and ");
  return `${when || "never"} → ${to}`;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
