// Every execution of the tenant's scripts, newest first: filter by script, status, trigger and
// time, with charts of the last two weeks above. The filters live in the address, so a filtered
// history can be shared and survives a reload.
import { A, useNavigate, useSearchParams } from "@solidjs/router";
import { createEffect, createResource, createSignal, For, on, Show } from "solid-js";
import type { ExecutionSummary } from "../../../../protocol/api.ts";
import type { ExecutionStatus, Trigger } from "../../../../db/schema.ts";
import { ApiError } from "../../api/client.ts";
import { api, type ExecutionFilters } from "../../api/endpoints.ts";
import { one } from "../../router/search.ts";
import { ago, duration, when } from "../../ui/format.ts";
import { ready } from "../../ui/resource.ts";
import { Empty, Failure, Loading } from "../../ui/states.tsx";
import { StatusBadge, statusLabel } from "../../ui/status.tsx";
import { useSession } from "../../session/index.tsx";
import { CancelButton } from "./cancel.tsx";
import { DurationChart, RunsChart } from "./charts.tsx";
import "./history.css";

const statuses = Object.keys(statusLabel) as ExecutionStatus[];
const triggers: Trigger[] = ["manual", "scheduled", "http", "event", "embedded"];
const pageSize = 50;

/** datetime-local text (the user's clock) to an ISO time for the API. */
const isoOf = (local: string | undefined) => (local ? new Date(local).toISOString() : undefined);

export function History() {
  const [search, setSearch] = useSearchParams();
  const navigate = useNavigate();
  const session = useSession();
  const q = (name: "scriptId" | "status" | "trigger" | "since" | "until") => one(search[name]);
  const filters = (): ExecutionFilters => ({
    scriptId: q("scriptId"),
    status: q("status"),
    trigger: q("trigger"),
    since: isoOf(q("since")),
    until: isoOf(q("until")),
  });
  const key = () => JSON.stringify(filters());

  const [scripts] = createResource(() => api.scripts().then((r) => r.items.toSorted((a, b) => a.name.localeCompare(b.name))));
  const [stats] = createResource(
    () => q("scriptId") ?? "",
    (scriptId) =>
      api.stats(14, scriptId || undefined).catch((e: unknown) => {
        if (e instanceof ApiError && e.routeMissing) return null;
        throw e;
      }),
  );

  const [items, setItems] = createSignal<ExecutionSummary[]>();
  const [cursor, setCursor] = createSignal<string | null>(null);
  const [loading, setLoading] = createSignal(false);
  const [error, setError] = createSignal<unknown>();
  let generation = 0;
  const load = async (more: boolean) => {
    const mine = ++generation;
    setLoading(true);
    setError(undefined);
    try {
      const page = await api.executions({ ...filters(), limit: pageSize, cursor: more ? (cursor() ?? undefined) : undefined });
      if (mine !== generation) return;
      setItems((prev) => (more ? [...(prev ?? []), ...page.items] : page.items));
      setCursor(page.nextCursor);
    } catch (e) {
      if (mine === generation) setError(e);
    } finally {
      if (mine === generation) setLoading(false);
    }
  };
  createEffect(on(key, () => void load(false)));

  // A filter replaces the address rather than adding to history: back leaves the page.
  const set = (name: string, value: string) => setSearch({ [name]: value || undefined }, { replace: true });
  const filtered = () => Object.values(filters()).some(Boolean);

  return (
    <div class="page">
      <header class="page-head">
        <h1 class="page-title">History</h1>
        <span class="page-sub">Every run of every script, newest first</span>
        <span class="spacer" />
        <button type="button" class="btn" onClick={() => void load(false)} disabled={loading()}>
          Refresh
        </button>
      </header>

      <Show when={ready(stats) !== null}>
        <div class="charts card">
          <Show
            when={ready(stats)}
            fallback={
              <Show when={stats.error} fallback={<Loading label="Drawing the charts…" />}>
                <Failure error={stats.error} />
              </Show>
            }
          >
            {(s) => (
              <Show
                when={s().days.some((d) => Object.values(d.counts).some((n) => (n ?? 0) > 0))}
                fallback={<p class="muted charts-empty">No runs in the last 14 days{q("scriptId") ? " for this script" : ""}.</p>}
              >
                <RunsChart days={s().days} />
                <DurationChart days={s().days} />
              </Show>
            )}
          </Show>
        </div>
      </Show>

      <div class="toolbar">
        <select class="select filter" aria-label="Script" value={q("scriptId") ?? ""} onChange={(e) => set("scriptId", e.currentTarget.value)}>
          <option value="">All scripts</option>
          {/* Selected as they arrive: the address may name a script before the list has loaded. */}
          <For each={ready(scripts)}>
            {(s) => (
              <option value={s.id} selected={s.id === q("scriptId")}>
                {s.name}
              </option>
            )}
          </For>
        </select>
        <select class="select filter" aria-label="Status" value={q("status") ?? ""} onChange={(e) => set("status", e.currentTarget.value)}>
          <option value="">Any status</option>
          <For each={statuses}>{(s) => <option value={s}>{statusLabel[s]}</option>}</For>
        </select>
        <select class="select filter" aria-label="Trigger" value={q("trigger") ?? ""} onChange={(e) => set("trigger", e.currentTarget.value)}>
          <option value="">Any trigger</option>
          <For each={triggers}>{(t) => <option value={t}>{t}</option>}</For>
        </select>
        <label class="time-filter">
          <span>From</span>
          <input class="input" type="datetime-local" aria-label="From" value={q("since") ?? ""} onChange={(e) => set("since", e.currentTarget.value)} />
        </label>
        <label class="time-filter">
          <span>To</span>
          <input class="input" type="datetime-local" aria-label="To" value={q("until") ?? ""} onChange={(e) => set("until", e.currentTarget.value)} />
        </label>
        <Show when={filtered()}>
          <button type="button" class="link-button" onClick={() => navigate("/history", { replace: true })}>
            Clear filters
          </button>
        </Show>
      </div>

      <Show when={error()}>
        <Failure error={error()} retry={() => void load(false)} />
      </Show>
      <div class="card">
        <Show
          when={items()}
          fallback={
            <Show when={!error()}>
              <Loading />
            </Show>
          }
        >
          <Show
            when={items()!.length > 0}
            fallback={
              <Empty icon="history" title={filtered() ? "No run matches these filters" : "No runs yet"}>
                {filtered() ? "Widen the time range or clear a filter." : "Runs appear here as soon as a script runs, whatever started it."}
              </Empty>
            }
          >
            <div class="table-wrap">
              <table class="table">
                <thead>
                  <tr>
                    <th>Status</th>
                    <th>Script</th>
                    <th>Trigger</th>
                    <th class="num">Version</th>
                    <th>Started</th>
                    <th class="num">Duration</th>
                    <th>Error</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  <For each={items()}>
                    {(e) => (
                      <tr class="row-link" onClick={(ev) => !(ev.target as HTMLElement).closest("a,button") && navigate(`/history/${e.id}`)}>
                        <td>
                          <A href={`/history/${e.id}`} class="status-link" aria-label={`Execution ${e.id}: ${statusLabel[e.status]}`}>
                            <StatusBadge status={e.status} />
                          </A>
                        </td>
                        <td class="mono">{e.scriptName ?? <span class="muted">deleted script</span>}</td>
                        <td>
                          {e.trigger}
                          {e.attempt > 1 ? <span class="muted"> · attempt {e.attempt}</span> : null}
                        </td>
                        <td class="num mono">v{e.version}</td>
                        <td title={when(e.createdAt)} class="nowrap">
                          {ago(e.createdAt)}
                        </td>
                        <td class="num">{duration(e.durationMs)}</td>
                        <td class="error-cell" title={e.errorMessage ?? ""}>
                          <Show when={e.errorCode}>
                            <span class="error-code">{e.errorCode}</span>
                            <span class="error-message">{e.errorMessage ?? ""}</span>
                          </Show>
                        </td>
                        <td class="num">
                          <Show when={(e.status === "queued" || e.status === "running") && session.can("scripts.execute")}>
                            <CancelButton id={e.id} status={e.status} script={e.scriptName} small onDone={() => void load(false)} />
                          </Show>
                        </td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
            <Show when={cursor()}>
              <div class="more">
                <button type="button" class="btn" onClick={() => void load(true)} disabled={loading()}>
                  {loading() ? "Loading…" : "Load older runs"}
                </button>
              </div>
            </Show>
          </Show>
        </Show>
      </div>
    </div>
  );
}
