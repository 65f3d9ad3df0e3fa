// A script's versions: who made each and why, any two side by side, and rollback (which adds a
// version carrying the old code; versions themselves never change).
import { A, useParams, useSearchParams } from "@solidjs/router";
import { createMemo, createResource, For, Show } from "solid-js";
import type { VersionDetail } from "../../../../protocol/api.ts";
import { api } from "../../api/endpoints.ts";
import { DiffEditor } from "../../monaco/diff-editor.tsx";
import { one } from "../../router/search.ts";
import { useSession } from "../../session/index.tsx";
import { useUi } from "../../ui/feedback.tsx";
import { ago, person, when } from "../../ui/format.ts";
import { Icon } from "../../ui/icons.tsx";
import { ready } from "../../ui/resource.ts";
import { Failure, Loading } from "../../ui/states.tsx";
import "./versions.css";

/** /scripts/:id/versions?a=1&b=2; a fresh page per id (see routes.tsx), so the id is read once. */
export function VersionsPage() {
  const id = useParams<{ id: string }>().id;
  const [search, setSearch] = useSearchParams();
  // The pair compared lives in the address; choosing another replaces it rather than adding to history.
  const compare = (a: number, b: number) => setSearch({ a, b }, { replace: true });
  const session = useSession();
  const ui = useUi();
  const [script, { refetch: refetchScript }] = createResource(() => api.script(id));
  const [versions, { refetch }] = createResource(() => api.versions(id).then((r) => r.items.toSorted((a, b) => b.number - a.number)));

  const latest = () => ready(versions)?.[0]?.number ?? 1;
  const chosen = (key: "a" | "b", fallback: number) => {
    const n = Number(one(search[key]));
    return Number.isInteger(n) && n >= 1 && n <= latest() ? n : fallback;
  };
  const b = () => chosen("b", latest());
  const a = () => chosen("a", Math.max(1, b() - 1));

  const cache = new Map<number, Promise<VersionDetail>>();
  const load = (n: number) => {
    if (!cache.has(n)) cache.set(n, api.version(id, n));
    return cache.get(n)!;
  };
  const pair = createMemo(() => (ready(versions) ? { a: a(), b: b() } : undefined));
  const [codes] = createResource(pair, async (p) => {
    const [left, right] = await Promise.all([load(p.a), load(p.b)]);
    return { left, right };
  });

  const rollback = async (n: number) => {
    const current = latest();
    const ok = await ui.confirm({
      title: `Roll back to version ${n}?`,
      body: `This adds version ${current + 1} with the code of version ${n}. Version ${current} and every other version stay as they are.`,
      confirmLabel: `Roll back to v${n}`,
    });
    if (!ok) return;
    try {
      const result = await api.rollback(id, n);
      ui.toast(`Rolled back: version ${result.version} has the code of version ${n}`);
      refetch();
      refetchScript();
      compare(current, result.version);
    } catch (e) {
      ui.toast(`Not rolled back: ${(e as Error).message}`, "error");
    }
  };

  return (
    <div class="versions-page">
      <header class="editor-head">
        <nav class="crumbs" aria-label="Breadcrumb">
          <A href="/scripts">Scripts</A>
          <span aria-hidden="true">/</span>
          <A href={`/scripts/${id}`} class="mono">
            {ready(script)?.name ?? "…"}
          </A>
          <span aria-hidden="true">/</span>
        </nav>
        <h1 class="editor-title">Versions</h1>
        <span class="spacer" />
        <A href={`/scripts/${id}`} class="btn">
          <Icon name="code" /> Open in editor
        </A>
      </header>
      <Show
        when={!versions.error}
        fallback={
          <div class="page">
            <Failure error={versions.error} retry={refetch} />
          </div>
        }
      >
        <Show when={ready(versions)} fallback={<Loading />}>
          <div class="versions-body">
            <div class="versions-list">
              <div class="versions-legend" aria-hidden="true">
                <span title="The left side of the diff">Base</span>
                <span title="The right side of the diff">Compare</span>
              </div>
              <ol class="versions" aria-label="Versions, newest first">
                <For each={ready(versions)}>
                  {(v) => (
                    <li class="version" classList={{ selected: v.number === a() || v.number === b() }}>
                      <input
                        type="radio"
                        name="base"
                        aria-label={`Base: version ${v.number}`}
                        checked={v.number === a()}
                        onChange={() => compare(v.number, b())}
                      />
                      <input
                        type="radio"
                        name="compare"
                        aria-label={`Compare: version ${v.number}`}
                        checked={v.number === b()}
                        onChange={() => compare(a(), v.number)}
                      />
                      <div class="version-text">
                        <div class="version-line">
                          <span class="mono version-number">v{v.number}</span>
                          <Show when={v.number === latest()}>
                            <span class="badge status-succeeded">current</span>
                          </Show>
                          <span class="spacer" />
                          <Show when={v.number !== latest() && session.can("scripts.write")}>
                            <button
                              type="button"
                              class="btn btn-small"
                              onClick={() => void rollback(v.number)}
                              title={`Make a new version with the code of v${v.number}`}
                            >
                              <Icon name="rollback" /> Roll back
                            </button>
                          </Show>
                        </div>
                        <div class="version-message">{v.message || <span class="muted">No message</span>}</div>
                        <div class="cell-sub" title={`${person(v.author).full}, ${when(v.createdAt)}`}>
                          {person(v.author).name} · {ago(v.createdAt)}
                        </div>
                      </div>
                    </li>
                  )}
                </For>
              </ol>
            </div>
            <section class="diff-pane" aria-label="Differences">
              <div class="diff-head">
                <span class="mono">v{a()}</span>
                <Icon name="chevron" class="diff-arrow" />
                <span class="mono">v{b()}</span>
                <Show when={ready(codes)}>
                  {(c) => (
                    <span class="muted">
                      {c().left.code === c().right.code
                        ? "Same code"
                        : `${person(c().left.author).name}, ${ago(c().left.createdAt)} → ${person(c().right.author).name}, ${ago(c().right.createdAt)}`}
                    </span>
                  )}
                </Show>
              </div>
              <Show when={!codes.error} fallback={<Failure error={codes.error} />}>
                <Show when={ready(codes)} fallback={<Loading />}>
                  {(c) => (
                    <DiffEditor
                      original={c().left.code}
                      modified={c().right.code}
                      language="javascript"
                      label={`Version ${a()} against version ${b()}`}
                      class="diff-editor"
                    />
                  )}
                </Show>
              </Show>
            </section>
          </div>
        </Show>
      </Show>
    </div>
  );
}
