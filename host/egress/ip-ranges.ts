// Moved to protocol/egress/ip-ranges.ts: the dispatcher checks alert webhooks with it too.
export * from "../../protocol/egress/ip-ranges.ts";
