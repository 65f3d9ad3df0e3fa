// A script: its code in Monaco, its settings beside it, and the Run panel. Saving asks for a
// message and makes a version; leaving with unsaved changes asks first.
import { A, useNavigate, useParams } from "@solidjs/router";
import { createEffect, createMemo, createResource, createSignal, on, onCleanup, Show } from "solid-js";
import { createStore, reconcile } from "solid-js/store";
import type { ScriptDetail } from "../../../../protocol/api.ts";
import type { ScriptLanguage } from "../../../../protocol/lists.ts";
import { typescriptTemplate } from "../../../../protocol/script-types.ts";
import { ApiError } from "../../api/client.ts";
import { api } from "../../api/endpoints.ts";
import { CodeEditor, type Editor } from "../../monaco/code-editor.tsx";
import { isTypeError, monaco } from "../../monaco/setup.ts";
import { useLeaveGuard } from "../../router/leave-guard.ts";
import { useSession } from "../../session/index.tsx";
import { useUi } from "../../ui/feedback.tsx";
import { ago, modKey, when } from "../../ui/format.ts";
import { Icon } from "../../ui/icons.tsx";
import { ready } from "../../ui/resource.ts";
import { Failure, Loading } from "../../ui/states.tsx";
import { KindBadge } from "../../ui/status.tsx";
import { RunPanel, type RunPanelApi } from "../run/index.tsx";
import { TryPanel } from "../try/index.tsx";
import { createBody, draftOf, formField, problems, sameDraft, updateBody } from "./draft.ts";
import { clearDraft, loadDraft, storeDraft } from "./local-draft.ts";
import { clearServerErrors, showServerError } from "./markers.ts";
import { Settings } from "./settings.tsx";
import { newScriptTemplate } from "./template.ts";
import "./editor.css";

/** /scripts/new, or /scripts/:id (a fresh page per id: see routes.tsx). */
export function ScriptPage() {
  const params = useParams<{ id?: string }>();
  const [script] = createResource(() => params.id, api.script);
  return (
    <Show when={params.id} fallback={<ScriptEditor />}>
      <Show when={ready(script)} fallback={<div class="page">{script.error ? <Failure error={script.error} /> : <Loading />}</div>}>
        {(s) => <ScriptEditor script={s()} />}
      </Show>
    </Show>
  );
}

function ScriptEditor(props: { script?: ScriptDetail }) {
  const navigate = useNavigate();
  const session = useSession();
  const ui = useUi();
  const [saved, setSaved] = createSignal(props.script);
  const savedDraft = createMemo(() => draftOf(saved()));
  // A saved script keeps its language; a new one is chosen with the Language select.
  const [language, setLanguage] = createSignal<ScriptLanguage>(props.script?.language ?? "js");
  const templateFor = (l: ScriptLanguage) => (l === "ts" ? typescriptTemplate : newScriptTemplate);
  const savedCode = () => saved()?.code ?? templateFor(language());
  const restored = loadDraft(props.script?.id, props.script?.version ?? 0);
  const [draft, setDraft] = createStore(restored?.draft ?? draftOf(props.script));
  const [code, setCode] = createSignal(restored?.code ?? savedCode());
  const [serverErrors, setServerErrors] = createSignal<Record<string, string>>({});
  const [attempted, setAttempted] = createSignal(false);
  const [saving, setSaving] = createSignal(false);
  const [tab, setTab] = createSignal<"settings" | "run">("settings");
  const [trying, setTrying] = createSignal(false);
  const [codeError, setCodeError] = createSignal<string>();
  const [typeProblems, setTypeProblems] = createSignal(0);
  let editor: Editor | undefined;
  let runPanel: RunPanelApi | undefined;
  let leaving = false;

  const canWrite = () => session.can("scripts.write");
  const dirty = createMemo(() => !sameDraft(JSON.parse(JSON.stringify(draft)), savedDraft()) || code() !== savedCode());
  const errors = () => ({ ...(attempted() ? problems(draft) : {}), ...serverErrors() });
  const title = () => saved()?.name ?? (draft.name.trim() || "New script");

  useLeaveGuard(
    () => (dirty() && !leaving ? `Your changes to ${title()} are not saved. If you leave now, they are lost.` : undefined),
    () => clearDraft(saved()?.id),
  );

  // Keep unsaved edits in this tab as they happen, a moment after typing stops.
  createEffect(
    on([dirty, code, () => JSON.stringify(draft)], ([isDirty]) => {
      const id = saved()?.id;
      if (!isDirty) return clearDraft(id);
      const timer = setTimeout(() => storeDraft(id, { version: saved()?.version ?? 0, code: code(), draft: JSON.parse(JSON.stringify(draft)) }), 300);
      onCleanup(() => clearTimeout(timer));
    }),
  );
  if (restored && dirty()) queueMicrotask(() => ui.toast("Your unsaved changes are back, as you left them", "info"));

  const revert = async () => {
    const ok = await ui.confirm({
      title: "Discard your changes?",
      body: `${title()} goes back to version ${saved()?.version ?? 1} as saved.`,
      confirmLabel: "Discard changes",
      danger: true,
    });
    if (!ok) return;
    setDraft(reconcile(draftOf(saved())));
    setCode(savedCode());
    setServerErrors({});
    setAttempted(false);
    setCodeError(undefined);
    clearServerErrors(editor);
    clearDraft(saved()?.id);
  };

  const save = async () => {
    if (saving() || !canWrite()) return;
    const current = saved();
    if (current && !dirty()) return ui.toast("Nothing to save", "info");
    setAttempted(true);
    const found = problems(draft);
    if (Object.keys(found).length > 0) {
      setTab("settings");
      return ui.toast("Some settings need fixing before saving", "error");
    }
    const codeChanged = !current || code() !== savedCode();
    let message = "";
    if (codeChanged) {
      const answer = await ui.prompt({
        title: current ? `Save version ${current.version + 1}` : "Create the script",
        label: "What changed? (kept with the version)",
        placeholder: current ? "Handle refunds" : "First version",
        initial: current ? "" : "First version",
        confirmLabel: current ? "Save version" : "Create",
        check: (v) => (v.length > 500 ? "At most 500 characters" : undefined),
      });
      if (answer === undefined) return;
      message = answer.trim();
    }
    setSaving(true);
    setServerErrors({});
    setCodeError(undefined);
    clearServerErrors(editor);
    try {
      const draftNow = JSON.parse(JSON.stringify(draft)) as typeof draft;
      const result = current
        ? await api.updateScript(current.id, updateBody(savedDraft(), draftNow, savedCode(), code(), message))
        : await api.createScript({ ...createBody(draftNow, code(), message), language: language() });
      clearDraft(current?.id);
      setSaved(result);
      setDraft(reconcile(draftOf(result)));
      setAttempted(false);
      ui.toast(codeChanged ? `Saved ${result.name} as version ${result.version}` : `Settings of ${result.name} saved`);
      if (!current) navigate(`/scripts/${result.id}`, { replace: true });
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      if (e.code === "SYNTAX_ERROR" || (e.field === "code" && e.status === 422)) {
        setCodeError(e.message);
        if (editor) showServerError(editor, e);
        editor?.focus();
      } else if (e.field && e.status === 422) {
        setServerErrors({ [formField(e.field)]: e.message });
        setTab("settings");
        ui.toast(e.message, "error");
      } else if (e.code === "CONFLICT" && e.field) {
        setServerErrors({ [formField(e.field)]: e.message });
        setTab("settings");
      } else {
        ui.toast(`Not saved: ${e.message}`, "error");
      }
    } finally {
      setSaving(false);
    }
  };

  // Type errors are warnings: counted here so the page can say they do not block a save.
  const countTypeProblems = () => {
    const model = editor?.getModel();
    setTypeProblems(model ? monaco.editor.getModelMarkers({ resource: model.uri, owner: "typescript" }).filter(isTypeError).length : 0);
  };
  const markersWatch = monaco.editor.onDidChangeMarkers(countTypeProblems);
  onCleanup(() => markersWatch.dispose());

  /** A new script's language; its starting code follows when it is still the template. */
  const chooseLanguage = (next: ScriptLanguage) => {
    const untouched = code() === templateFor(language());
    setLanguage(next);
    if (untouched) setCode(templateFor(next));
    setCodeError(undefined);
  };

  const remove = async () => {
    const current = saved();
    if (!current) return;
    const ok = await ui.confirm({
      title: `Delete ${current.name}?`,
      body: "It stops running at once. Its versions and execution history stay readable in History.",
      confirmLabel: "Delete script",
      danger: true,
    });
    if (!ok) return;
    try {
      await api.deleteScript(current.id);
      leaving = true;
      ui.toast(`${current.name} deleted`);
      navigate("/scripts");
    } catch (e) {
      ui.toast(`Not deleted: ${(e as Error).message}`, "error");
    }
  };

  const run = () => {
    if (!saved()) return ui.toast("Save the script before running it", "info");
    setTab("run");
    queueMicrotask(() => runPanel?.run());
  };

  // Ctrl/⌘+S saves and Ctrl/⌘+Enter runs, wherever the focus is on this page.
  const onKey = (e: KeyboardEvent) => {
    if (!(e.ctrlKey || e.metaKey) || e.altKey || document.querySelector("dialog[open]")) return;
    if (e.key === "s" || e.key === "S") {
      e.preventDefault();
      e.stopPropagation();
      void save();
    } else if (e.key === "Enter") {
      e.preventDefault();
      e.stopPropagation();
      run();
    }
  };
  window.addEventListener("keydown", onKey, true);
  onCleanup(() => window.removeEventListener("keydown", onKey, true));

  return (
    <div class="editor-page">
      <header class="editor-head">
        <nav class="crumbs" aria-label="Breadcrumb">
          <A href="/scripts">Scripts</A>
          <span aria-hidden="true">/</span>
        </nav>
        <h1 class="editor-title mono">{title()}</h1>
        <KindBadge kind={draft.kind} />
        <Show when={saved()}>
          {(s) => (
            <span class="muted version-info" title={`Updated ${when(s().updatedAt)}`}>
              v{s().version} · {ago(s().updatedAt)}
            </span>
          )}
        </Show>
        <Show when={dirty()}>
          <span class="unsaved" title="You have unsaved changes">
            <span class="dot" /> Unsaved
          </span>
          <Show when={saved()}>
            <button type="button" class="link-button revert" onClick={() => void revert()}>
              Discard
            </button>
          </Show>
        </Show>
        <span class="spacer" />
        <Show when={saved()}>
          {(s) => (
            <>
              <A href={`/scripts/${s().id}/versions`} class="btn btn-ghost">
                <Icon name="diff" /> Versions
              </A>
              <Show when={session.can("executions.read")}>
                <A href={`/history?scriptId=${s().id}`} class="btn btn-ghost">
                  <Icon name="history" /> History
                </A>
              </Show>
              <Show when={canWrite()}>
                <button
                  type="button"
                  class="btn btn-ghost"
                  onClick={() => setTrying(true)}
                  title="Run this draft, saved or not, on the script's recent real inputs: nothing it writes or sends leaves"
                >
                  <Icon name="play" /> Try on recent runs
                </button>
              </Show>
              <Show when={trying()}>
                <TryPanel scriptId={s().id} scriptName={s().name} code={code()} language={language()} onClose={() => setTrying(false)} />
              </Show>
              <Show when={session.can("scripts.delete")}>
                <button type="button" class="btn btn-ghost btn-icon-danger" onClick={remove} title="Delete this script" aria-label="Delete script">
                  <Icon name="trash" />
                </button>
              </Show>
            </>
          )}
        </Show>
        <Show when={canWrite()}>
          <button type="button" class="btn btn-primary" onClick={() => void save()} disabled={saving() || (!!saved() && !dirty())} title={`Save (${modKey}S)`}>
            <Icon name="save" /> {saving() ? "Saving…" : saved() ? "Save" : "Create"} <kbd>{modKey}S</kbd>
          </button>
        </Show>
      </header>
      <div class="editor-body">
        <section class="editor-code" aria-label="Code">
          <Show when={codeError()}>
            <div class="code-error" role="alert">
              <Icon name="alert" /> {codeError()}
            </div>
          </Show>
          <Show when={!saved() || language() === "ts"}>
            <div
              class="code-toolbar"
              style={{
                display: "flex",
                gap: "12px",
                "align-items": "center",
                padding: "6px 14px",
                "border-bottom": "1px solid var(--border)",
                "font-size": "13px",
              }}
            >
              <Show when={!saved()} fallback={<span class="badge">TypeScript</span>}>
                <label style={{ display: "inline-flex", gap: "6px", "align-items": "center" }}>
                  Language
                  <select value={language()} onChange={(e) => chooseLanguage(e.currentTarget.value as ScriptLanguage)} disabled={!canWrite()}>
                    <option value="js">JavaScript</option>
                    <option value="ts">TypeScript</option>
                  </select>
                </label>
              </Show>
              <Show when={language() === "ts"}>
                <span class="muted type-note" role="status">
                  {typeProblems() > 0
                    ? `${typeProblems()} type ${typeProblems() === 1 ? "problem" : "problems"} marked in yellow: saving still works (the server strips types without checking them; iota push refuses them).`
                    : "Checked against the SDK's types as you type; type problems are warnings and never block saving."}
                </span>
              </Show>
            </div>
          </Show>
          <Show when={language()} keyed>
            {(lang) => (
              <CodeEditor
                value={code()}
                language={lang === "ts" ? "typescript" : "javascript"}
                path={`scripts/${saved()?.id ?? "new"}.${lang}`}
                label={`Code of ${title()}`}
                readOnly={!canWrite()}
                onChange={(v) => {
                  setCode(v);
                  if (codeError()) {
                    setCodeError(undefined);
                    clearServerErrors(editor);
                  }
                }}
                onReady={(e) => {
                  editor = e;
                  countTypeProblems();
                }}
              />
            )}
          </Show>
        </section>
        <aside class="editor-side">
          <div class="tabs" role="tablist">
            <button type="button" role="tab" aria-selected={tab() === "settings"} onClick={() => setTab("settings")}>
              Settings
              <Show when={Object.keys(errors()).length > 0}>
                <span class="tab-alert" title="Some settings need fixing">
                  !
                </span>
              </Show>
            </button>
            <button
              type="button"
              role="tab"
              aria-selected={tab() === "run"}
              onClick={() => setTab("run")}
              disabled={!saved()}
              title={saved() ? `Run (${modKey}Enter)` : "Save the script to run it"}
            >
              Run
            </button>
          </div>
          <div class="side-scroll" hidden={tab() !== "settings"}>
            <Settings
              draft={draft}
              setDraft={setDraft}
              errors={errors()}
              readOnly={!canWrite()}
              onPreviewError={(field, message) =>
                setServerErrors((prev) => {
                  const next = { ...prev };
                  for (const f of ["cron", "timezone"]) delete next[f];
                  if (field && message) next[formField(field)] = message;
                  return next;
                })
              }
            />
          </div>
          <Show when={saved()}>
            {(s) => (
              <div class="side-scroll" hidden={tab() !== "run"}>
                <RunPanel
                  scriptId={s().id}
                  version={s().version}
                  canRun={session.can("scripts.execute")}
                  note={
                    !session.can("scripts.execute")
                      ? "Your role may not run scripts."
                      : dirty()
                        ? `Runs the saved version ${s().version}; your unsaved changes are not included.`
                        : undefined
                  }
                  ref={(api) => (runPanel = api)}
                />
              </div>
            )}
          </Show>
        </aside>
      </div>
    </div>
  );
}
