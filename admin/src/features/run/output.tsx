// What a run shows: a progress bar and log lines while it runs, then its outcome.
import { A } from "@solidjs/router";
import { createEffect, createSignal, For, Match, on, Show, Switch } from "solid-js";
import type { ExecutionDetail } from "../../../../protocol/api.ts";
import type { LogEntry } from "../../../../protocol/run.ts";
import { clock, duration, json } from "../../ui/format.ts";
import { StatusBadge } from "../../ui/status.tsx";
import type { RunState } from "./follow.ts";
import { asHttpMessage, HttpMessageView } from "./http-message.tsx";
import "./run.css";

export function LogLines(props: { logs: LogEntry[]; live?: boolean; empty?: string }) {
  let box!: HTMLDivElement;
  // Follows new lines while the reader is at the bottom; scrolling up to read stops that, and
  // scrolling back down (or the button) starts it again.
  const [following, setFollowing] = createSignal(true);
  const atBottom = () => box.scrollHeight - box.scrollTop - box.clientHeight < 8;
  const toBottom = () => {
    box.scrollTop = box.scrollHeight;
    setFollowing(true);
  };
  createEffect(
    on(
      () => props.logs.length,
      () => {
        if (box && following()) box.scrollTop = box.scrollHeight;
      },
    ),
  );
  return (
    <div class="logs-frame">
      <div class="logs" ref={box} role="log" aria-live={props.live ? "polite" : "off"} aria-label="Log lines" onScroll={() => setFollowing(atBottom())}>
        <Show when={props.logs.length > 0} fallback={<div class="logs-empty">{props.empty ?? "No log lines."}</div>}>
          <For each={props.logs}>
            {(line) => (
              <div class={`log log-${line.level}`}>
                <time class="log-time">{clock(line.at)}</time>
                <span class="log-level">{line.level}</span>
                <span class="log-message">{line.message}</span>
              </div>
            )}
          </For>
        </Show>
      </div>
      <Show when={props.live && !following()}>
        <button type="button" class="btn btn-small logs-follow" onClick={toBottom}>
          ↓ Follow new lines
        </button>
      </Show>
    </div>
  );
}

export function ProgressBar(props: { percent?: number; message?: string; active: boolean }) {
  const pct = () => (props.percent === undefined ? undefined : Math.max(0, Math.min(100, props.percent)));
  return (
    <div class="progress">
      <div class="progress-track" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow={pct()} aria-label="Progress">
        <div
          class="progress-fill"
          classList={{ indeterminate: pct() === undefined && props.active }}
          style={{ width: pct() === undefined ? undefined : `${pct()}%` }}
        />
      </div>
      <div class="progress-text">
        <span>{props.message ?? (props.active ? "Running…" : "")}</span>
        <Show when={pct() !== undefined}>
          <span class="mono">{Math.round(pct()!)}%</span>
        </Show>
      </div>
    </div>
  );
}

export function Outcome(props: { execution: ExecutionDetail }) {
  const e = () => props.execution;
  return (
    <div class="outcome">
      <div class="outcome-head">
        <StatusBadge status={e().status} />
        <span class="muted">{duration(e().durationMs)}</span>
        <span class="muted">v{e().version}</span>
        <span class="spacer" />
        <A href={`/history/${e().id}`} class="outcome-link">
          Open in history
        </A>
      </div>
      <Switch>
        <Match when={e().error}>
          {(err) => (
            <figure class="labelled" aria-label="Error">
              <pre class="block error">
                {err().code ? `${err().code}: ` : ""}
                {err().message}
                {err().stack ? `\n\n${err().stack}` : ""}
              </pre>
            </figure>
          )}
        </Match>
        <Match when={e().status === "succeeded" && e().trigger === "http" && asHttpMessage(e().output)}>
          {(response) => <HttpMessageView message={response()} label="Response recorded" />}
        </Match>
        <Match when={e().status === "succeeded"}>
          <figure class="labelled" aria-label="Output">
            <pre class="block">{json(e().output)}</pre>
          </figure>
        </Match>
      </Switch>
    </div>
  );
}

/** The whole live view of one run. */
export function RunView(props: { state: RunState }) {
  const s = () => props.state;
  const active = () => s().phase === "starting" || s().phase === "running";
  return (
    <div class="run-view">
      <Show when={s().phase !== "idle"}>
        <Show when={active() || s().progress}>
          <ProgressBar
            active={active()}
            percent={s().progress?.percent}
            message={s().progress?.message || (s().phase === "starting" ? "Starting…" : undefined)}
          />
        </Show>
        <Show when={s().error}>
          <pre class="block error" role="alert">
            {s().error!.message}
          </pre>
        </Show>
        <Show when={s().phase !== "failed" || s().logs.length > 0}>
          <LogLines logs={s().logs} live={active()} empty={active() ? "Waiting for log lines…" : "The run wrote no log lines."} />
        </Show>
        <Show when={s().execution}>{(e) => <Outcome execution={e()} />}</Show>
      </Show>
    </div>
  );
}
