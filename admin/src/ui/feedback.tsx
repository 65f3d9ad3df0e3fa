// Confirmations, prompts and toasts for the whole app, through one typed context: useUi().
import { createContext, createSignal, For, Show, useContext, type JSX, type ParentProps } from "solid-js";
import { Modal } from "./modal.tsx";

export interface ConfirmOptions {
  title: string;
  body?: JSX.Element;
  confirmLabel?: string;
  cancelLabel?: string;
  danger?: boolean;
}

export interface PromptOptions {
  title: string;
  label: string;
  placeholder?: string;
  initial?: string;
  confirmLabel?: string;
  /** A reason the value is not acceptable yet, or undefined. */
  check?: (value: string) => string | undefined;
}

type ToastKind = "success" | "error" | "info";

export interface Ui {
  confirm(options: ConfirmOptions): Promise<boolean>;
  prompt(options: PromptOptions): Promise<string | undefined>;
  toast(message: string, kind?: ToastKind): void;
}

const UiContext = createContext<Ui>();

export function useUi(): Ui {
  const ui = useContext(UiContext);
  if (!ui) throw new Error("useUi outside <UiProvider>");
  return ui;
}

type Pending =
  | { type: "confirm"; options: ConfirmOptions; resolve: (ok: boolean) => void }
  | { type: "prompt"; options: PromptOptions; resolve: (value: string | undefined) => void };

export function UiProvider(props: ParentProps) {
  const [pending, setPending] = createSignal<Pending>();
  const [toasts, setToasts] = createSignal<{ id: number; message: string; kind: ToastKind }[]>([]);
  let nextToast = 1;

  const ui: Ui = {
    confirm: (options) => new Promise((resolve) => setPending({ type: "confirm", options, resolve })),
    prompt: (options) => new Promise((resolve) => setPending({ type: "prompt", options, resolve })),
    toast(message, kind = "success") {
      const id = nextToast++;
      // Three at most: a burst of actions should not bury the page.
      setToasts((t) => [...t.slice(-2), { id, message, kind }]);
      setTimeout(() => setToasts((t) => t.filter((x) => x.id !== id)), kind === "error" ? 8000 : 3500);
    },
  };

  const settle = (value: boolean | string | undefined) => {
    const p = pending();
    setPending(undefined);
    if (p?.type === "confirm") p.resolve(value === true);
    else if (p?.type === "prompt") p.resolve(typeof value === "string" ? value : undefined);
  };

  return (
    <UiContext.Provider value={ui}>
      {props.children}
      <Show when={pending()} keyed>
        {(p) => (p.type === "confirm" ? <ConfirmDialog options={p.options} settle={settle} /> : <PromptDialog options={p.options} settle={settle} />)}
      </Show>
      <div class="toasts" role="status" aria-live="polite">
        <For each={toasts()}>
          {(t) => (
            <button type="button" class={`toast toast-${t.kind}`} onClick={() => setToasts((all) => all.filter((x) => x.id !== t.id))} title="Dismiss">
              {t.message}
            </button>
          )}
        </For>
      </div>
    </UiContext.Provider>
  );
}

function ConfirmDialog(props: { options: ConfirmOptions; settle: (v: boolean) => void }) {
  return (
    <Modal title={props.options.title} onClose={() => props.settle(false)}>
      <Show when={props.options.body}>
        <div class="modal-text">{props.options.body}</div>
      </Show>
      <div class="modal-actions">
        <button type="button" class="btn" onClick={() => props.settle(false)}>
          {props.options.cancelLabel ?? "Cancel"}
        </button>
        <button
          type="button"
          class="btn"
          classList={{ "btn-danger": props.options.danger, "btn-primary": !props.options.danger }}
          onClick={() => props.settle(true)}
          autofocus
        >
          {props.options.confirmLabel ?? "OK"}
        </button>
      </div>
    </Modal>
  );
}

function PromptDialog(props: { options: PromptOptions; settle: (v: string | undefined) => void }) {
  const [value, setValue] = createSignal(props.options.initial ?? "");
  const problem = () => props.options.check?.(value());
  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    if (!problem()) props.settle(value());
  };
  return (
    <Modal title={props.options.title} onClose={() => props.settle(undefined)}>
      <form onSubmit={submit}>
        <label class="field">
          <span class="field-label">{props.options.label}</span>
          <input class="input" value={value()} placeholder={props.options.placeholder} onInput={(e) => setValue(e.currentTarget.value)} autofocus />
        </label>
        <Show when={value() && problem()}>
          <p class="field-error">{problem()}</p>
        </Show>
        <div class="modal-actions">
          <button type="button" class="btn" onClick={() => props.settle(undefined)}>
            Cancel
          </button>
          <button type="submit" class="btn btn-primary" disabled={!!problem()}>
            {props.options.confirmLabel ?? "OK"}
          </button>
        </div>
      </form>
    </Modal>
  );
}
