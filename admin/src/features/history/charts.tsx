// Runs per day by status, and how long runs took (median and 95th percentile), drawn as SVG.
import { For, Show } from "solid-js";
import type { ExecutionStats } from "../../../../protocol/api.ts";
import type { ExecutionStatus } from "../../../../db/schema.ts";
import { duration } from "../../ui/format.ts";
import { statusLabel } from "../../ui/status.tsx";

type Day = ExecutionStats["days"][number];

const colors: Record<ExecutionStatus, string> = {
  succeeded: "#12b76a",
  failed: "#f04438",
  timed_out: "#f79009",
  interrupted: "#ee46bc",
  cancelled: "#98a2b3",
  running: "#2e90fa",
  queued: "#84caff",
  missed: "#fdb022",
  skipped: "#d0d5dd",
};
const order: ExecutionStatus[] = ["succeeded", "failed", "timed_out", "interrupted", "missed", "skipped", "cancelled", "running", "queued"];

const width = 560;
const height = 170;
const pad = { top: 10, right: 8, bottom: 22, left: 40 };
const innerW = width - pad.left - pad.right;
const innerH = height - pad.top - pad.bottom;

/** A round upper bound for an axis: 1, 2, 5, 10, 20, 50... */
function niceMax(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 5, 10]) if (m * power >= value) return m * power;
  return 10 * power;
}

const dayLabel = (day: string) => new Date(`${day}T12:00:00Z`).toLocaleDateString(undefined, { month: "short", day: "numeric", timeZone: "UTC" });

function Axis(props: { max: number; format: (n: number) => string; days: Day[] }) {
  const ticks = () => [0, 0.5, 1].map((f) => f * props.max);
  const step = () => Math.max(1, Math.ceil(props.days.length / 7));
  const slot = () => innerW / Math.max(props.days.length, 1);
  return (
    <g class="axis">
      <For each={ticks()}>
        {(t) => {
          const y = pad.top + innerH - (t / props.max) * innerH;
          return (
            <>
              <line x1={pad.left} x2={width - pad.right} y1={y} y2={y} class="grid" />
              <text x={pad.left - 6} y={y + 3} text-anchor="end">
                {props.format(t)}
              </text>
            </>
          );
        }}
      </For>
      <For each={props.days}>
        {(d, i) => (
          <Show when={i() % step() === 0}>
            <text x={pad.left + slot() * (i() + 0.5)} y={height - 6} text-anchor="middle">
              {dayLabel(d.day)}
            </text>
          </Show>
        )}
      </For>
    </g>
  );
}

export function RunsChart(props: { days: Day[] }) {
  const total = (d: Day) => order.reduce((s, k) => s + (d.counts[k] ?? 0), 0);
  const max = () => niceMax(Math.max(0, ...props.days.map(total)));
  const slot = () => innerW / Math.max(props.days.length, 1);
  const barW = () => Math.max(2, Math.min(28, slot() * 0.68));
  const present = () => order.filter((k) => props.days.some((d) => (d.counts[k] ?? 0) > 0));
  return (
    <figure class="chart">
      <figcaption class="chart-title">Runs per day</figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label="Runs per day by status">
        <Axis max={max()} format={(n) => String(Math.round(n))} days={props.days} />
        <For each={props.days}>
          {(d, i) => {
            let y = pad.top + innerH;
            const x = () => pad.left + slot() * i() + (slot() - barW()) / 2;
            return (
              <g>
                <title>{`${dayLabel(d.day)}: ${total(d)} runs\n${order
                  .filter((k) => d.counts[k])
                  .map((k) => `${statusLabel[k]}: ${d.counts[k]}`)
                  .join("\n")}`}</title>
                <rect x={pad.left + slot() * i()} y={pad.top} width={slot()} height={innerH} fill="transparent" />
                <For each={order.filter((k) => (d.counts[k] ?? 0) > 0)}>
                  {(k) => {
                    const h = ((d.counts[k] ?? 0) / max()) * innerH;
                    y -= h;
                    return <rect x={x()} y={y} width={barW()} height={Math.max(h, 0.5)} fill={colors[k]} rx="1.5" />;
                  }}
                </For>
              </g>
            );
          }}
        </For>
      </svg>
      <div class="legend">
        <For each={present()}>
          {(k) => (
            <span>
              <i style={{ background: colors[k] }} /> {statusLabel[k]}
            </span>
          )}
        </For>
      </div>
    </figure>
  );
}

export function DurationChart(props: { days: Day[] }) {
  const max = () => niceMax(Math.max(0, ...props.days.map((d) => d.p95Ms ?? d.p50Ms ?? 0)));
  const slot = () => innerW / Math.max(props.days.length, 1);
  const point = (i: number, v: number) => `${pad.left + slot() * (i + 0.5)},${pad.top + innerH - (v / max()) * innerH}`;
  // Days without runs break the line rather than dropping to zero.
  const segments = (key: "p50Ms" | "p95Ms") => {
    const out: string[][] = [];
    let current: string[] = [];
    props.days.forEach((d, i) => {
      const v = d[key];
      if (v === null) {
        if (current.length) out.push(current);
        current = [];
      } else current.push(point(i, v));
    });
    if (current.length) out.push(current);
    return out;
  };
  const series = [
    { key: "p95Ms" as const, label: "95th percentile", color: "#f79009" },
    { key: "p50Ms" as const, label: "Median", color: "#4f46e5" },
  ];
  return (
    <figure class="chart">
      <figcaption class="chart-title">Duration</figcaption>
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label="Run duration per day: median and 95th percentile">
        <Axis max={max()} format={(n) => (n === 0 ? "0" : duration(n))} days={props.days} />
        <For each={series}>
          {(s) => (
            <>
              <For each={segments(s.key)}>
                {(pts) => <polyline points={pts.join(" ")} fill="none" stroke={s.color} stroke-width="2" stroke-linejoin="round" />}
              </For>
              <For each={props.days}>
                {(d, i) => (
                  <Show when={d[s.key] !== null}>
                    <circle
                      cx={point(i(), d[s.key]!).split(",")[0]}
                      cy={point(i(), d[s.key]!).split(",")[1]}
                      r="3"
                      fill="#fff"
                      stroke={s.color}
                      stroke-width="2"
                    >
                      <title>{`${dayLabel(d.day)} · ${s.label}: ${duration(d[s.key])}`}</title>
                    </circle>
                  </Show>
                )}
              </For>
            </>
          )}
        </For>
      </svg>
      <div class="legend">
        <For each={series}>
          {(s) => (
            <span>
              <i style={{ background: s.color }} /> {s.label}
            </span>
          )}
        </For>
      </div>
    </figure>
  );
}
