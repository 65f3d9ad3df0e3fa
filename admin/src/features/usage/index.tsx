// Usage: what the tenant ran (per day and month, by status, how long) and where it stands now
// against its quota and budgets. A platform admin sees any tenant, or every tenant side by side.
import { A, useSearchParams } from "@solidjs/router";
import { createResource, For, Show } from "solid-js";
import type { UsageReport } from "../../../../protocol/api.ts";
import { api } from "../../api/endpoints.ts";
import { one } from "../../router/search.ts";
import { useSession } from "../../session/index.tsx";
import { duration } from "../../ui/format.ts";
import { ready } from "../../ui/resource.ts";
import { Failure, Loading } from "../../ui/states.tsx";
import { bytes } from "./meters.tsx";
import { TenantReport } from "./report.tsx";
import "../history/history.css";
import "./usage.css";

const ranges = [7, 30, 90, 365];

export function Usage() {
  const session = useSession();
  const [search, setSearch] = useSearchParams();
  const days = () => Number(one(search.days)) || 30;
  const all = () => session.me().platformAdmin && one(search.all) === "true";
  const tenant = () => (session.me().platformAdmin ? one(search.tenant) : undefined);
  const [report, { refetch }] = createResource(
    () => ({ days: days(), all: all() || undefined, tenant: all() ? undefined : tenant() }),
    (q) => api.usageReport(q),
  );
  return (
    <div class="page usage-page">
      <header class="page-head">
        <h1 class="page-title">Usage</h1>
        <span class="page-sub">{all() ? "Every tenant" : `Tenant ${tenant() ?? session.me().tenant.slug}`}</span>
        <span class="spacer" />
        <Show when={session.me().platformAdmin}>
          <fieldset class="segmented" aria-label="Tenants">
            <button type="button" aria-pressed={!all()} onClick={() => setSearch({ all: undefined, tenant: undefined }, { replace: true })}>
              This tenant
            </button>
            <button type="button" aria-pressed={all()} onClick={() => setSearch({ all: "true", tenant: undefined }, { replace: true })}>
              Every tenant
            </button>
          </fieldset>
        </Show>
        <select class="select filter" aria-label="Range" value={days()} onChange={(e) => setSearch({ days: e.currentTarget.value }, { replace: true })}>
          <For each={ranges}>{(d) => <option value={d}>Last {d} days</option>}</For>
        </select>
      </header>
      <Show when={ready(report)} fallback={report.error ? <Failure error={report.error} retry={refetch} feature="Usage" /> : <Loading />}>
        {(r) => (
          <Show when={all()} fallback={<Show when={r().tenants[0]}>{(t) => <TenantReport report={t()} />}</Show>}>
            <EveryTenant report={r()} days={days()} />
          </Show>
        )}
      </Show>
    </div>
  );
}

function EveryTenant(props: { report: UsageReport; days: number }) {
  return (
    <div class="card">
      <div class="table-wrap">
        <table class="table" aria-label="Usage of every tenant">
          <thead>
            <tr>
              <th>Tenant</th>
              <th class="num">Runs</th>
              <th class="num">Failed</th>
              <th class="num">Time running</th>
              <th class="num">p95</th>
              <th class="num">Running</th>
              <th class="num">Queued</th>
              <th class="num">History today</th>
            </tr>
          </thead>
          <tbody>
            <For each={props.report.tenants}>
              {(t) => (
                <tr>
                  <td>
                    <A href={`/usage?tenant=${t.tenant.slug}&days=${props.days}`} class="cell-title">
                      {t.tenant.name}
                    </A>
                    <div class="cell-sub mono">{t.tenant.slug}</div>
                  </td>
                  <td class="num">{t.total.runs.toLocaleString()}</td>
                  <td class="num">{((t.total.counts.failed ?? 0) + (t.total.counts.timed_out ?? 0) + (t.total.counts.interrupted ?? 0)).toLocaleString()}</td>
                  <td class="num">{duration(t.total.durationMs.sum)}</td>
                  <td class="num">{duration(t.total.durationMs.p95)}</td>
                  <td class="num">
                    {t.now.running} / {t.now.limit}
                  </td>
                  <td class="num">
                    {t.now.queued} / {t.now.budgets.maxQueued}
                  </td>
                  <td class="num">
                    {bytes(t.now.historyBytesToday)} / {bytes(t.now.budgets.maxHistoryBytesPerDay)}
                  </td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </div>
    </div>
  );
}
