// A card with one loaded list as a table: its failure, loading and empty states, then a row per
// item. For lists loaded whole (dead letters, secrets); filtered and paged lists keep their
// rows on screen while they reload, and draw their own.
import { For, Show, type JSX, type Resource } from "solid-js";
import { ready } from "./resource.ts";
import { Failure, Loading } from "./states.tsx";

export interface ResourceTableProps<T> {
  items: Resource<T[]>;
  retry: () => void;
  /** Names the screen when the server does not offer it. */
  feature: string;
  /** What an empty list shows, usually an `<Empty>`. */
  empty: JSX.Element;
  /** The header cells. */
  head: JSX.Element;
  children: (item: T) => JSX.Element;
}

export function ResourceTable<T>(props: ResourceTableProps<T>) {
  return (
    <div class="card">
      <Show when={!props.items.error} fallback={<Failure error={props.items.error} retry={props.retry} feature={props.feature} />}>
        <Show when={ready(props.items)} fallback={<Loading />}>
          {(items) => (
            <Show when={items().length > 0} fallback={props.empty}>
              <table class="table">
                <thead>
                  <tr>{props.head}</tr>
                </thead>
                <tbody>
                  <For each={items()}>{(item) => props.children(item)}</For>
                </tbody>
              </table>
            </Show>
          )}
        </Show>
      </Show>
    </div>
  );
}
