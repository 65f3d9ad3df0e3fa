// Moved to protocol/egress/address-policy.ts: the dispatcher checks alert webhooks with it too.
export * from "../../protocol/egress/address-policy.ts";
