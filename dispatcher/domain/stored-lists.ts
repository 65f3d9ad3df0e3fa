// db/schema.ts still spells the API's lists and the alert rule itself (protocol/ may not import
// db/, and db/ does not import protocol/ yet). Until it does, the compiler holds each pair equal:
// a kind, status or trigger added on one side only fails the typecheck here.
import type { AlertRule as StoredAlertRule, ExecutionStatus as StoredStatus, scriptKinds, Trigger as StoredTrigger } from "../../db/schema.ts";
import type { AlertRule, ExecutionStatus, ScriptKind, Trigger } from "../../protocol/api.ts";

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

export const storedListsAgree: [
  Same<(typeof scriptKinds)[number], ScriptKind>,
  Same<StoredStatus, ExecutionStatus>,
  Same<StoredTrigger, Trigger>,
  Same<StoredAlertRule, AlertRule>,
] = [true, true, true, true];
