// Copying to the clipboard, with a toast saying whether it worked, and a block of code or
// text with its own Copy button.
import type { JSX } from "solid-js";
import { useUi } from "./feedback.tsx";
import { Icon } from "./icons.tsx";

export function CopyButton(props: { text: () => string; what: string; label?: string; class?: string }) {
  const ui = useUi();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.text());
      ui.toast(`${props.what} copied`);
    } catch {
      ui.toast(`Could not copy: select the ${props.what.toLowerCase()} and copy it by hand`, "error");
    }
  };
  return (
    <button type="button" class={`btn btn-small ${props.class ?? ""}`} onClick={() => void copy()} aria-label={`Copy the ${props.what.toLowerCase()}`}>
      <Icon name="copy" /> {props.label ?? "Copy"}
    </button>
  );
}

/** Code to read and copy; long lines scroll sideways rather than wrap mid-word. */
export function CodeBlock(props: { code: string; what: string; label?: string; children?: JSX.Element }) {
  return (
    <figure class="code-block labelled" aria-label={props.label ?? props.what}>
      <div class="code-block-head">
        <span class="field-label">{props.label ?? props.what}</span>
        {props.children}
        <span class="spacer" />
        <CopyButton text={() => props.code} what={props.what} />
      </div>
      <pre class="code-block-body">{props.code}</pre>
    </figure>
  );
}
