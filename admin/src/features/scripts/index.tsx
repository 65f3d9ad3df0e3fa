// Every script of the tenant: what kind, whether it is on, its tags, version and last run.
// Filters live in the address, so a filtered list can be shared and survives a reload.
import { A, useNavigate, useSearchParams } from "@solidjs/router";
import { createResource, createSignal, For, Show, onCleanup } from "solid-js";
import type { ExecutionSummary, ScriptSummary } from "../../../../protocol/api.ts";
import { api, scriptKinds } from "../../api/endpoints.ts";
import { one } from "../../router/search.ts";
import { useSession } from "../../session/index.tsx";
import { useUi } from "../../ui/feedback.tsx";
import { ago, when } from "../../ui/format.ts";
import { Icon } from "../../ui/icons.tsx";
import { ready } from "../../ui/resource.ts";
import { Empty, Failure, Loading } from "../../ui/states.tsx";
import { KindBadge, StatusBadge } from "../../ui/status.tsx";
import { NewScriptDialog, TemplateCards } from "../templates/index.tsx";
import { useLastRuns } from "./last-runs.ts";
import "./scripts.css";

export function ScriptsList() {
  const [search, setSearch] = useSearchParams();
  const navigate = useNavigate();
  const session = useSession();
  const ui = useUi();
  const filters = () => {
    const tag = search.tag ?? [];
    return { q: one(search.q) ?? "", kind: one(search.kind) ?? "", enabled: one(search.enabled) ?? "", tag: typeof tag === "string" ? [tag] : tag };
  };
  // A filter replaces the address rather than adding to history: back leaves the list.
  const setQuery = (values: Record<string, string | string[] | undefined>) => setSearch(values, { replace: true });
  const [scripts, { refetch, mutate }] = createResource(filters, (f) => api.scripts(f).then((r) => r.items));
  const lastRuns = useLastRuns(
    () => ready(scripts),
    () => session.can("executions.read"),
  );

  // The search box updates the address (and the list) as you type, a moment after you stop.
  const [text, setText] = createSignal(filters().q);
  let debounce: ReturnType<typeof setTimeout> | undefined;
  onCleanup(() => clearTimeout(debounce));
  const onSearch = (value: string) => {
    setText(value);
    clearTimeout(debounce);
    debounce = setTimeout(() => setQuery({ q: value.trim() || undefined }), 200);
  };

  const setTags = (tags: string[]) => setQuery({ tag: tags });
  const addTag = (tag: string) => !filters().tag.includes(tag) && setTags([...filters().tag, tag]);
  const [tagInput, setTagInput] = createSignal("");
  const tagProblem = () => (tagInput() && !/^[^:\s]+:[^\s]*$/.test(tagInput()) ? 'Write a tag as key:value, like "team:finance"' : undefined);

  const toggle = async (script: ScriptSummary, enabled: boolean) => {
    const update = (value: boolean) => mutate((list) => list?.map((s) => (s.id === script.id ? { ...s, enabled: value } : s)));
    update(enabled);
    try {
      await api.updateScript(script.id, { enabled });
      ui.toast(`${script.name} ${enabled ? "enabled" : "disabled"}`);
    } catch (e) {
      update(!enabled);
      ui.toast(`Could not ${enabled ? "enable" : "disable"} ${script.name}: ${(e as Error).message}`, "error");
    }
  };

  const filtered = () => filters().q || filters().kind || filters().enabled || filters().tag.length > 0;
  const [choosing, setChoosing] = createSignal(false);

  return (
    <div class="page">
      <header class="page-head">
        <h1 class="page-title">Scripts</h1>
        <Show when={ready(scripts)}>
          <span class="page-sub">
            {ready(scripts)!.length} {filtered() ? "matching" : "in this tenant"}
          </span>
        </Show>
        <span class="spacer" />
        <Show when={session.can("scripts.write")}>
          <button type="button" class="btn btn-primary" onClick={() => setChoosing(true)}>
            <Icon name="plus" /> New script
          </button>
        </Show>
      </header>

      <div class="toolbar">
        <label class="search">
          <Icon name="search" />
          <input
            class="input"
            type="search"
            data-search
            placeholder="Search name or description"
            aria-label="Search scripts"
            value={text()}
            onInput={(e) => onSearch(e.currentTarget.value)}
          />
          <Show when={!text()}>
            <kbd>/</kbd>
          </Show>
        </label>
        <select class="select filter" aria-label="Kind" value={filters().kind} onChange={(e) => setQuery({ kind: e.currentTarget.value || undefined })}>
          <option value="">All kinds</option>
          <For each={scriptKinds}>{(k) => <option value={k}>{k}</option>}</For>
        </select>
        <select class="select filter" aria-label="Status" value={filters().enabled} onChange={(e) => setQuery({ enabled: e.currentTarget.value || undefined })}>
          <option value="">Enabled and disabled</option>
          <option value="true">Enabled only</option>
          <option value="false">Disabled only</option>
        </select>
        <form
          class="tag-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (tagInput() && !tagProblem()) {
              addTag(tagInput());
              setTagInput("");
            }
          }}
        >
          <input
            class="input mono"
            placeholder="tag key:value"
            aria-label="Filter by tag"
            aria-invalid={!!tagProblem()}
            title={tagProblem()}
            value={tagInput()}
            onInput={(e) => setTagInput(e.currentTarget.value)}
          />
        </form>
        <For each={filters().tag}>
          {(t) => (
            <button type="button" class="chip" onClick={() => setTags(filters().tag.filter((x) => x !== t))} title="Remove this filter">
              {t} <Icon name="x" />
            </button>
          )}
        </For>
        <Show when={filtered()}>
          <button
            type="button"
            class="link-button"
            onClick={() => {
              navigate("/scripts", { replace: true });
              setText("");
            }}
          >
            Clear filters
          </button>
        </Show>
      </div>

      <Show when={scripts.error}>
        <Failure error={scripts.error} retry={refetch} />
      </Show>
      <div class="card">
        <Show
          when={ready(scripts)}
          fallback={
            <Show when={!scripts.error}>
              <Loading />
            </Show>
          }
        >
          <Show
            when={ready(scripts)!.length > 0}
            fallback={
              <>
                <Empty icon="code" title={filtered() ? "No script matches these filters" : "No scripts yet"}>
                  {filtered()
                    ? "Try fewer filters or another search."
                    : "A script is a small JavaScript module the platform runs on a schedule, on an event, over HTTP or by hand."}
                </Empty>
                <Show when={!filtered() && session.can("scripts.write")}>
                  <div class="empty-templates">
                    <TemplateCards />
                  </div>
                </Show>
              </>
            }
          >
            <div class="table-wrap">
              <table class="table scripts-table">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Kind</th>
                    <th>Tags</th>
                    <th class="num">Version</th>
                    <Show when={session.can("executions.read")}>
                      <th>Last run</th>
                    </Show>
                    <th>Enabled</th>
                  </tr>
                </thead>
                <tbody>
                  <For each={ready(scripts)}>
                    {(s) => (
                      <tr class="row-link" onClick={(e) => !(e.target as HTMLElement).closest("a,button,label,input") && navigate(`/scripts/${s.id}`)}>
                        <td>
                          <A href={`/scripts/${s.id}`} class="cell-title">
                            {s.name}
                          </A>
                          <Show when={s.description}>
                            <div class="cell-sub" title={s.description}>
                              {s.description}
                            </div>
                          </Show>
                        </td>
                        <td>
                          <KindBadge kind={s.kind} />
                        </td>
                        <td>
                          <div class="tags">
                            <For each={Object.entries(s.tags)}>
                              {([k, v]) => (
                                <button type="button" class="tag" title={`Show only ${k}:${v}`} onClick={() => addTag(`${k}:${v}`)}>
                                  <b>{k}:</b>
                                  {v}
                                </button>
                              )}
                            </For>
                          </div>
                        </td>
                        <td class="num mono">v{s.version}</td>
                        <Show when={session.can("executions.read")}>
                          <td>
                            <LastRun id={s.id} runs={ready(lastRuns)} failed={!!lastRuns.error} />
                          </td>
                        </Show>
                        <td>
                          <label class="switch" title={session.can("scripts.write") ? (s.enabled ? "Disable" : "Enable") : "You may not change this"}>
                            <input
                              type="checkbox"
                              role="switch"
                              aria-label={`${s.name} enabled`}
                              checked={s.enabled}
                              aria-checked={s.enabled}
                              disabled={!session.can("scripts.write")}
                              onChange={(e) => void toggle(s, e.currentTarget.checked)}
                            />
                            <span class="switch-track" />
                            <span class="switch-text">{s.enabled ? "On" : "Off"}</span>
                          </label>
                        </td>
                      </tr>
                    )}
                  </For>
                </tbody>
              </table>
            </div>
          </Show>
        </Show>
      </div>
      <Show when={choosing()}>
        <NewScriptDialog onClose={() => setChoosing(false)} />
      </Show>
    </div>
  );
}

function LastRun(props: { id: string; runs: Map<string, ExecutionSummary | null> | undefined; failed: boolean }) {
  const run = () => props.runs?.get(props.id);
  return (
    <Show
      when={props.runs}
      fallback={
        <span class="muted" title={props.failed ? "Could not load the latest runs" : undefined}>
          {props.failed ? "—" : "…"}
        </span>
      }
    >
      <Show when={run()} fallback={<span class="muted">Never run</span>}>
        {(r) => (
          <A href={`/history/${r().id}`} class="last-run" title={when(r().createdAt)}>
            <StatusBadge status={r().status} />
            <span class="muted">{ago(r().createdAt)}</span>
          </A>
        )}
      </Show>
    </Show>
  );
}
