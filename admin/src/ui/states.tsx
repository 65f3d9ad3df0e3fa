// What a screen shows while loading, when empty, when it failed, or when the server lacks it.
import { Show, type JSX, type ParentProps } from "solid-js";
import { ApiError } from "../api/client.ts";
import { Icon, type IconName } from "./icons.tsx";

export function Empty(props: ParentProps<{ icon?: IconName; title: string }>) {
  return (
    <div class="empty">
      <Show when={props.icon}>{(icon) => <Icon name={icon()} class="empty-icon" />}</Show>
      <p class="empty-title">{props.title}</p>
      <div class="empty-text">{props.children}</div>
    </div>
  );
}

export function Loading(props: { label?: string }) {
  return (
    <div class="loading" role="status">
      <span class="spinner" aria-hidden="true" />
      {props.label ?? "Loading…"}
    </div>
  );
}

/** A failed load: the server's message, or the "not on this server" state for a missing route. */
export function Failure(props: { error: unknown; retry?: () => void; feature?: string }): JSX.Element {
  const e = () => props.error;
  return (
    <Show
      when={!(e() instanceof ApiError && (e() as ApiError).routeMissing)}
      fallback={
        <Empty icon="inbox" title={`${props.feature ?? "This feature"} is not available on this server`}>
          This server does not offer it yet. It will appear here once the server is updated; nothing is wrong with your account.
        </Empty>
      }
    >
      <div class="failure" role="alert">
        <Icon name="alert" />
        <span>{e() instanceof Error ? (e() as Error).message : String(e())}</span>
        <Show when={props.retry}>
          <button type="button" class="btn btn-small" onClick={() => props.retry?.()}>
            Try again
          </button>
        </Show>
      </div>
    </Show>
  );
}
