// A labelled form field with its hint and its error, linked for screen readers.
import { Show, type JSX } from "solid-js";

let counter = 0;

export function Field(props: {
  label: string;
  hint?: JSX.Element;
  error?: string;
  children: (id: string, describedBy: string | undefined) => JSX.Element;
  class?: string;
}) {
  const id = `f${++counter}`;
  const described = () => (props.error ? `${id}-error` : props.hint ? `${id}-hint` : undefined);
  return (
    <div class={`field ${props.class ?? ""}`}>
      <label class="field-label" for={id}>
        {props.label}
      </label>
      {props.children(id, described())}
      <Show
        when={props.error}
        fallback={
          <Show when={props.hint}>
            {
              <span id={`${id}-hint`} class="field-hint">
                {props.hint}
              </span>
            }
          </Show>
        }
      >
        <span id={`${id}-error`} class="field-error" role="alert">
          {props.error}
        </span>
      </Show>
    </div>
  );
}
