// Making a token: a name and a role no stronger than the maker's own; then the token itself,
// shown this once with a Copy button.
import { createSignal, For, Show } from "solid-js";
import { canGrant, roles, type Role } from "../../../../protocol/roles.ts";
import { api, type CreatedToken } from "../../api/endpoints.ts";
import { useSession } from "../../session/index.tsx";
import { useUi } from "../../ui/feedback.tsx";
import { CodeBlock } from "../../ui/copy.tsx";
import { Modal } from "../../ui/modal.tsx";

export const roleHelp: Record<Role, string> = {
  owner: "everything, users included",
  admin: "everything but users",
  developer: "read, write and run scripts; read history",
  viewer: "read scripts and history",
};

/** The roles this user may hand out, strongest first. */
export function grantable(mine: Role): Role[] {
  return roles.filter((r) => canGrant(mine, r));
}

export function NewTokenDialog(props: { onClose: () => void; onCreated: () => void }) {
  const session = useSession();
  const ui = useUi();
  const choices = grantable(session.me().role);
  const [name, setName] = createSignal("");
  const [role, setRole] = createSignal<Role>(choices.includes("developer") ? "developer" : choices.at(-1)!);
  const [busy, setBusy] = createSignal(false);
  const [created, setCreated] = createSignal<CreatedToken>();

  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    if (!name().trim()) return;
    setBusy(true);
    try {
      setCreated(await api.createToken({ name: name().trim(), role: role() }));
      props.onCreated();
    } catch (err) {
      ui.toast(`Not created: ${(err as Error).message}`, "error");
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal title={created() ? `Token ${created()!.name}` : "New API token"} onClose={props.onClose}>
      <Show
        when={created()}
        fallback={
          <form class="settings-section" onSubmit={submit}>
            <label class="field">
              <span class="field-label">Name</span>
              <input
                class="input mono"
                value={name()}
                placeholder="billing-service"
                maxLength={100}
                onInput={(e) => setName(e.currentTarget.value)}
                autofocus
              />
              <span class="field-hint">Who uses it, to know what breaks when it is revoked.</span>
            </label>
            <label class="field">
              <span class="field-label">Role</span>
              <select class="select" value={role()} onChange={(e) => setRole(e.currentTarget.value as Role)}>
                <For each={choices}>{(r) => <option value={r}>{`${r}: ${roleHelp[r]}`}</option>}</For>
              </select>
              <span class="field-hint">Embedded calls and events need developer (scripts.execute) or more.</span>
            </label>
            <div class="modal-actions">
              <button type="button" class="btn" onClick={props.onClose}>
                Cancel
              </button>
              <button type="submit" class="btn btn-primary" disabled={busy() || !name().trim()}>
                Create token
              </button>
            </div>
          </form>
        }
      >
        {(t) => (
          <>
            <p class="notice">Copy it now: it is shown only this once and cannot be read again.</p>
            <CodeBlock code={t().token} what="Token" label={`${t().role} token for ${t().tenant}`} />
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
