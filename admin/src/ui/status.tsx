// Execution status and script kind as small badges.
import type { ExecutionStatus } from "../../../db/schema.ts";

export const statusLabel: Record<ExecutionStatus, string> = {
  queued: "Queued",
  running: "Running",
  succeeded: "Succeeded",
  failed: "Failed",
  timed_out: "Timed out",
  cancelled: "Cancelled",
  interrupted: "Interrupted",
  missed: "Missed",
  skipped: "Skipped",
};

export function StatusBadge(props: { status: ExecutionStatus }) {
  return (
    <span class={`badge status-${props.status}`}>
      <span class="dot" aria-hidden="true" />
      {statusLabel[props.status] ?? props.status}
    </span>
  );
}

export function KindBadge(props: { kind: string }) {
  return <span class={`badge kind kind-${props.kind}`}>{props.kind}</span>;
}
