// "Join another tenant": a signed-in user makes a code naming a tenant and hands it to that
// tenant's owner, who adds them with it (Users page) within 24 hours.
import { createSignal, Show } from "solid-js";
import { api, type JoinCode } from "../../api/endpoints.ts";
import { CodeBlock } from "../../ui/copy.tsx";
import { when } from "../../ui/format.ts";
import { Modal } from "../../ui/modal.tsx";

export function JoinCodeDialog(props: { onClose: () => void }) {
  const [tenant, setTenant] = createSignal("");
  const [code, setCode] = createSignal<JoinCode>();
  const [error, setError] = createSignal<string>();
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      setCode(await api.joinCode(tenant().trim()));
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <Modal title="Join another tenant" onClose={props.onClose}>
      <Show
        when={code()}
        fallback={
          <form class="settings-section" onSubmit={submit}>
            <label class="field">
              <span class="field-label">The tenant's slug</span>
              <input class="input mono" placeholder="acme-corp" value={tenant()} onInput={(e) => setTenant(e.currentTarget.value)} autofocus />
              <span class="field-hint">You get a code for its owner: they add you with it, with the role they choose.</span>
            </label>
            <Show when={error()}>
              <p class="field-error">{error()}</p>
            </Show>
            <div class="modal-actions">
              <button type="button" class="btn" onClick={props.onClose}>
                Cancel
              </button>
              <button type="submit" class="btn btn-primary" disabled={!tenant().trim()}>
                Make a join code
              </button>
            </div>
          </form>
        }
      >
        {(c) => (
          <>
            <CodeBlock code={c().joinCode} what="Join code" label={`For the owner of ${c().tenant}, until ${when(c().expiresAt)}`} />
            <div class="modal-actions">
              <button type="button" class="btn btn-primary" onClick={props.onClose}>
                Done
              </button>
            </div>
          </>
        )}
      </Show>
    </Modal>
  );
}
