// Where a tenant stands now against its limits: running against its concurrency, waiting work
// and its input against the queue budgets, today's history against the daily budget.
import { For } from "solid-js";
import type { TenantUsage } from "../../../../protocol/api.ts";

export const bytes = (n: number) =>
  n >= 1024 ** 3
    ? `${(n / 1024 ** 3).toFixed(1)} GB`
    : n >= 1024 * 1024
      ? `${(n / 1024 / 1024).toFixed(1)} MB`
      : n >= 1024
        ? `${Math.round(n / 1024)} KB`
        : `${n} B`;

export function Meters(props: { now: TenantUsage }) {
  const rows = () => [
    { label: "Running", used: props.now.running, of: props.now.limit, text: `${props.now.running} of ${props.now.limit}` },
    {
      label: "Queued",
      used: props.now.queued,
      of: props.now.budgets.maxQueued,
      text: `${props.now.queued.toLocaleString()} of ${props.now.budgets.maxQueued.toLocaleString()}`,
    },
    {
      label: "Queued input",
      used: props.now.queuedBytes,
      of: props.now.budgets.maxQueuedBytes,
      text: `${bytes(props.now.queuedBytes)} of ${bytes(props.now.budgets.maxQueuedBytes)}`,
    },
    {
      label: "History today",
      used: props.now.historyBytesToday,
      of: props.now.budgets.maxHistoryBytesPerDay,
      text: `${bytes(props.now.historyBytesToday)} of ${bytes(props.now.budgets.maxHistoryBytesPerDay)}`,
    },
  ];
  return (
    <div class="meters">
      <For each={rows()}>
        {(r) => {
          const pct = () => (r.of > 0 ? Math.min(100, (r.used / r.of) * 100) : 0);
          return (
            <div class="meter">
              <div class="meter-head">
                <span class="field-label">{r.label}</span>
                <span class="mono meter-text">{r.text}</span>
              </div>
              <meter class="meter-bar" classList={{ "meter-high": pct() >= 80 }} min={0} max={r.of} value={r.used} aria-label={r.label} />
            </div>
          );
        }}
      </For>
    </div>
  );
}
