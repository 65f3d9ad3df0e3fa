// A modal on the native <dialog>: focus stays inside, Escape closes it, the page behind is inert.
import { onCleanup, onMount, type ParentProps } from "solid-js";

export function Modal(props: ParentProps<{ title: string; onClose: () => void; wide?: boolean; labelId?: string }>) {
  let dialog!: HTMLDialogElement;
  onMount(() => dialog.showModal());
  onCleanup(() => dialog.open && dialog.close());
  const id = props.labelId ?? `modal-${Math.random().toString(36).slice(2, 8)}`;
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: a click on the backdrop closes it; from the keyboard, Escape does (onCancel)
    <dialog
      ref={dialog}
      class="modal"
      classList={{ "modal-wide": props.wide }}
      aria-labelledby={id}
      onCancel={(e) => {
        e.preventDefault();
        props.onClose();
      }}
      onClick={(e) => e.target === dialog && props.onClose()}
    >
      <div class="modal-body">
        <h2 id={id} class="modal-title">
          {props.title}
        </h2>
        {props.children}
      </div>
    </dialog>
  );
}
