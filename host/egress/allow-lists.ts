// Moved to protocol/egress/allow-lists.ts: the dispatcher checks alert webhooks with it too.
export * from "../../protocol/egress/allow-lists.ts";
