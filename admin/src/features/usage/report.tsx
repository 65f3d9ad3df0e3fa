// One tenant's usage over the range: where it stands now, the totals, runs per day by status
// and their durations as charts, and each month as a row.
import { For, Show } from "solid-js";
import type { ExecutionStatus, TenantUsageReport, UsagePeriod } from "../../../../protocol/api.ts";
import { duration } from "../../ui/format.ts";
import { statusLabel } from "../../ui/status.tsx";
import { DurationChart, RunsChart } from "../history/charts.tsx";
import { Meters } from "./meters.tsx";

const shown: ExecutionStatus[] = ["succeeded", "failed", "timed_out", "interrupted", "cancelled", "skipped", "missed"];

/** The history charts draw days as the stats API gives them. */
const asDays = (periods: UsagePeriod[]) => periods.map((p) => ({ day: p.period, counts: p.counts, p50Ms: p.durationMs.p50, p95Ms: p.durationMs.p95 }));

const monthName = (period: string) => new Date(`${period}-15T12:00:00Z`).toLocaleDateString(undefined, { month: "long", year: "numeric", timeZone: "UTC" });

export function TenantReport(props: { report: TenantUsageReport }) {
  const r = () => props.report;
  return (
    <div class="usage-report">
      <section class="card card-body">
        <h2 class="usage-title">Now</h2>
        <Meters now={r().now} />
      </section>
      <section class="card card-body">
        <h2 class="usage-title">
          {r().total.runs.toLocaleString()} runs{" "}
          <span class="muted">
            from {r().days[0]?.period} to {r().days.at(-1)?.period}
          </span>
        </h2>
        <div class="usage-totals">
          <For each={shown.filter((s) => r().total.counts[s])}>
            {(s) => (
              <span class={`badge status-${s}`}>
                {statusLabel[s]} {r().total.counts[s]!.toLocaleString()}
              </span>
            )}
          </For>
          <span class="muted">
            Time running: {duration(r().total.durationMs.sum)} · median {duration(r().total.durationMs.p50)} · 95th percentile{" "}
            {duration(r().total.durationMs.p95)}
          </span>
        </div>
        <Show when={r().total.runs > 0} fallback={<p class="muted">No runs in this range.</p>}>
          <div class="charts">
            <RunsChart days={asDays(r().days)} />
            <DurationChart days={asDays(r().days)} />
          </div>
        </Show>
      </section>
      <section class="card">
        <h2 class="card-head">By month</h2>
        <div class="table-wrap">
          <table class="table" aria-label="Runs by month">
            <thead>
              <tr>
                <th>Month</th>
                <th class="num">Runs</th>
                <For each={shown}>{(s) => <th class="num">{statusLabel[s]}</th>}</For>
                <th class="num">Time running</th>
                <th class="num">p95</th>
              </tr>
            </thead>
            <tbody>
              <For each={r().months}>
                {(m) => (
                  <tr>
                    <td title={m.period}>{monthName(m.period)}</td>
                    <td class="num">{m.runs.toLocaleString()}</td>
                    <For each={shown}>{(s) => <td class="num">{m.counts[s] ?? 0}</td>}</For>
                    <td class="num">{duration(m.durationMs.sum)}</td>
                    <td class="num">{duration(m.durationMs.p95)}</td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}
