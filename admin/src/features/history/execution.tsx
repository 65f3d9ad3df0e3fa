// One execution: what went in, what came out, the logs, the error with its stack, and a re-run
// with the same or an edited input. A run still in progress is followed live.
import { A, useNavigate, useParams } from "@solidjs/router";
import { createResource, createSignal, onCleanup, Show } from "solid-js";
import type { ExecutionDetail } from "../../../../protocol/api.ts";
import { ApiError } from "../../api/client.ts";
import { api, type RunAnswer } from "../../api/endpoints.ts";
import { followExecution } from "../../api/stream.ts";
import { CodeEditor } from "../../monaco/code-editor.tsx";
import { useSession } from "../../session/index.tsx";
import { useUi } from "../../ui/feedback.tsx";
import { duration, json, person, when } from "../../ui/format.ts";
import { Icon } from "../../ui/icons.tsx";
import { Modal } from "../../ui/modal.tsx";
import { ready } from "../../ui/resource.ts";
import { Failure, Loading } from "../../ui/states.tsx";
import { StatusBadge } from "../../ui/status.tsx";
import { parseInput } from "../run/index.tsx";
import { asHttpMessage, HttpMessageView } from "../run/http-message.tsx";
import { LogLines, ProgressBar } from "../run/output.tsx";
import { CancelButton } from "./cancel.tsx";
import { OutboundRequests } from "./outbound.tsx";
import "./history.css";

const running = (e: ExecutionDetail) => e.status === "queued" || e.status === "running";

/** /history/:id; a fresh page per id (see routes.tsx), so the id is read once. */
export function ExecutionPage() {
  const id = useParams<{ id: string }>().id;
  const session = useSession();
  const [execution, { mutate, refetch }] = createResource(() => api.execution(id));
  const [rerunning, setRerunning] = createSignal(false);

  // Follow a run still in progress: lines and progress as they come, then the final record.
  let stop: (() => void) | undefined;
  onCleanup(() => stop?.());
  const follow = (e: ExecutionDetail) => {
    if (!running(e) || stop) return;
    stop = followExecution(e.id, {
      log: (line) => mutate((prev) => prev && { ...prev, logs: [...prev.logs, line] }),
      progress: (progress) => mutate((prev) => prev && { ...prev, progress }),
      end: (final) => mutate(final),
      error: () => void refetch(),
    });
  };

  return (
    <div class="page execution-page">
      <Show when={ready(execution)} fallback={execution.error ? <Failure error={execution.error} retry={refetch} /> : <Loading />}>
        {(e) => {
          follow(e());
          return (
            <>
              <header class="page-head">
                <nav class="crumbs" aria-label="Breadcrumb">
                  <A href="/history">History</A>
                  <span aria-hidden="true">/</span>
                </nav>
                <h1 class="page-title mono exec-id">{e().id}</h1>
                <StatusBadge status={e().status} />
                <span class="spacer" />
                <Show when={session.can("scripts.execute") && running(e())}>
                  <CancelButton id={e().id} status={e().status} script={e().scriptName} onDone={(ended) => (ended ? mutate(ended) : void refetch())} />
                </Show>
                <Show when={session.can("scripts.execute")}>
                  <button type="button" class="btn btn-primary" onClick={() => setRerunning(true)}>
                    <Icon name="refresh" /> Re-run
                  </button>
                </Show>
              </header>
              <div class="exec-grid">
                <div class="exec-main">
                  <Show when={running(e()) || e().progress}>
                    <section class="card card-body">
                      <ProgressBar active={running(e())} percent={e().progress?.percent} message={e().progress?.message} />
                    </section>
                  </Show>
                  <Show when={e().error}>
                    {(err) => (
                      <section class="card">
                        <h2 class="card-head">Error</h2>
                        <div class="card-body">
                          <figure class="labelled" aria-label="Error">
                            <pre class="block error">
                              {err().code ? `${err().code}: ` : ""}
                              {err().message}
                              {err().stack ? `\n\n${err().stack}` : ""}
                            </pre>
                          </figure>
                        </div>
                      </section>
                    )}
                  </Show>
                  <section class="card">
                    <h2 class="card-head">
                      Logs <span class="muted">{e().logs.length} lines</span>
                    </h2>
                    <div class="card-body">
                      <LogLines logs={e().logs} live={running(e())} empty={running(e()) ? "Waiting for log lines…" : "The run wrote no log lines."} />
                    </div>
                  </section>
                  <div class="io">
                    <section class="card">
                      <h2 class="card-head">{e().trigger === "http" ? "Request" : "Input"}</h2>
                      <div class="card-body">
                        <Show
                          when={e().trigger === "http" && asHttpMessage(e().input)}
                          fallback={
                            <figure class="labelled" aria-label="Input">
                              <pre class="block">{json(e().input)}</pre>
                            </figure>
                          }
                        >
                          {(request) => <HttpMessageView message={request()} label="Request recorded" />}
                        </Show>
                      </div>
                    </section>
                    <section class="card">
                      <h2 class="card-head">{e().trigger === "http" ? "Response" : "Output"}</h2>
                      <div class="card-body">
                        <Show
                          when={e().status === "succeeded"}
                          fallback={<p class="muted">{running(e()) ? "Not finished yet." : "No output: the run did not succeed."}</p>}
                        >
                          <Show
                            when={e().trigger === "http" && asHttpMessage(e().output)}
                            fallback={
                              <figure class="labelled" aria-label="Output">
                                <pre class="block">{json(e().output)}</pre>
                              </figure>
                            }
                          >
                            {(response) => <HttpMessageView message={response()} label="Response recorded" />}
                          </Show>
                        </Show>
                      </div>
                    </section>
                  </div>
                  <section class="card">
                    <h2 class="card-head">
                      Outbound requests <span class="muted">{e().outbound.length}</span>
                    </h2>
                    <OutboundRequests requests={e().outbound} />
                  </section>
                </div>
                <aside class="card card-body exec-facts">
                  <dl class="facts">
                    <dt>Script</dt>
                    <dd>
                      {e().scriptName ? (
                        <A href={`/scripts/${e().scriptId}`} class="mono">
                          {e().scriptName}
                        </A>
                      ) : (
                        <span class="muted">deleted</span>
                      )}
                    </dd>
                    <dt>Version</dt>
                    <dd class="mono">v{e().version}</dd>
                    <dt>Trigger</dt>
                    <dd>{e().trigger}</dd>
                    <dt>Attempt</dt>
                    <dd>{e().attempt}</dd>
                    <dt>Started by</dt>
                    <dd title={person(e().createdBy).full}>{e().createdBy ? person(e().createdBy).name : "the platform"}</dd>
                    <dt>Queued</dt>
                    <dd>{when(e().createdAt)}</dd>
                    <dt>Started</dt>
                    <dd>{when(e().startedAt)}</dd>
                    <dt>Finished</dt>
                    <dd>{when(e().finishedAt)}</dd>
                    <dt>Duration</dt>
                    <dd>{duration(e().durationMs)}</dd>
                    <Show when={e().rerunOf}>
                      <dt>Re-run of</dt>
                      <dd>
                        <A href={`/history/${e().rerunOf}`} class="mono">
                          {e().rerunOf}
                        </A>
                      </dd>
                    </Show>
                  </dl>
                </aside>
              </div>
              <Show when={rerunning()}>
                <RerunDialog execution={e()} onClose={() => setRerunning(false)} />
              </Show>
            </>
          );
        }}
      </Show>
    </div>
  );
}

function RerunDialog(props: { execution: ExecutionDetail; onClose: () => void }) {
  const navigate = useNavigate();
  const ui = useUi();
  const [input, setInput] = createSignal(json(props.execution.input ?? null));
  const [mode, setMode] = createSignal<"async" | "sync">("async");
  const [busy, setBusy] = createSignal(false);
  const parsed = () => parseInput(input());

  const start = async () => {
    if (parsed().error) return;
    setBusy(true);
    const body = { input: parsed().value, mode: mode() };
    try {
      let answer: RunAnswer;
      try {
        answer = await api.rerun(props.execution.id, body);
      } catch (e) {
        // A server without re-runs: run the same script version with this input.
        if (!(e instanceof ApiError && e.routeMissing)) throw e;
        answer = await api.run(props.execution.scriptId, { ...body, version: props.execution.version });
      }
      props.onClose();
      navigate(`/history/${answer.id}`);
    } catch (e) {
      ui.toast(`Not started: ${(e as Error).message}`, "error");
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal title={`Re-run ${props.execution.scriptName ?? "this script"}`} onClose={props.onClose} wide>
      <p class="modal-text">Runs the script again with this input: as it was, or edited. The new run is kept in history, linked to this one.</p>
      <div class="rerun-input">
        <CodeEditor
          value={input()}
          language="json"
          path={`inputs/rerun-${props.execution.id}.json`}
          label="Re-run input, JSON"
          onChange={setInput}
          options={{ lineNumbers: "off", folding: false, lineDecorationsWidth: 8 }}
        />
      </div>
      <Show when={parsed().error}>
        <span class="field-error">{parsed().error}</span>
      </Show>
      <div class="modal-actions">
        <fieldset class="segmented" aria-label="Mode">
          <button type="button" aria-pressed={mode() === "async"} onClick={() => setMode("async")}>
            Async
          </button>
          <button type="button" aria-pressed={mode() === "sync"} onClick={() => setMode("sync")}>
            Sync
          </button>
        </fieldset>
        <span class="spacer" />
        <button type="button" class="btn" onClick={props.onClose}>
          Cancel
        </button>
        <button type="button" class="btn btn-primary" onClick={() => void start()} disabled={busy() || !!parsed().error}>
          <Icon name="play" /> {busy() ? "Starting…" : "Re-run"}
        </button>
      </div>
    </Modal>
  );
}
