// Alert webhooks are checked when rules are saved, not only when an alert is sent: a webhook the
// egress policy refuses would otherwise be accepted and fail, unseen, at the moment it matters.
// What the URL alone shows is checked here (address literals in any spelling, names that mean
// this machine); where a DNS name leads is checked when the alert is sent.
import { parseOperatorAllow, type OperatorEntry } from "../../protocol/egress/allow-lists.ts";
import { webhookRefusal } from "../../protocol/egress/webhook.ts";
import { invalid } from "../../protocol/errors.ts";

/** The operator's allow list (IOTA_EGRESS_ALLOW): what it opens for sending is fine to save. */
let operatorAllow: readonly OperatorEntry[] = [];

/** Called once per isolate with the deployment's IOTA_EGRESS_ALLOW (the host checked it at start-up). */
export function allowOperatorEgress(raw: string | undefined): void {
  operatorAllow = parseOperatorAllow(raw);
}

/** Refuses (422, naming `alerts[i].webhook`) a rule whose webhook the egress policy would refuse. */
export function checkAlertWebhooks(rules: readonly { webhook?: string | undefined }[] | null | undefined, field = "alerts"): void {
  rules?.forEach((rule, i) => {
    const refusal = rule.webhook === undefined ? undefined : webhookRefusal(rule.webhook, operatorAllow);
    if (refusal) throw invalid(`${field}[${i}].webhook`, `${field}[${i}].webhook ${refusal}: no alert could reach it`);
  });
}
