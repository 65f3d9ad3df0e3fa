// Tenant secrets for scripts: names and when they changed. Values go in and are never shown.
import { createResource, createSignal, Show } from "solid-js";
import { api } from "../../api/endpoints.ts";
import { useSession } from "../../session/index.tsx";
import { useUi } from "../../ui/feedback.tsx";
import { ago, person, when } from "../../ui/format.ts";
import { Icon } from "../../ui/icons.tsx";
import { Modal } from "../../ui/modal.tsx";
import { ResourceTable } from "../../ui/resource-table.tsx";
import { Empty } from "../../ui/states.tsx";
import { secretName } from "../../../../protocol/schemas/secrets.ts";
import { rememberTyped } from "./typed-values.ts";

export function Secrets() {
  const session = useSession();
  const ui = useUi();
  const [secrets, { refetch }] = createResource(() => api.secrets().then((r) => r.items));
  const [editing, setEditing] = createSignal<{ name: string; isNew: boolean }>();
  const canManage = () => session.can("secrets.manage");

  const remove = async (name: string) => {
    const ok = await ui.confirm({
      title: `Delete the secret ${name}?`,
      body: "Scripts that read it will no longer find it.",
      confirmLabel: "Delete secret",
      danger: true,
    });
    if (!ok) return;
    try {
      await api.deleteSecret(name);
      ui.toast(`${name} deleted`);
      refetch();
    } catch (e) {
      ui.toast(`Not deleted: ${(e as Error).message}`, "error");
    }
  };

  return (
    <div class="page">
      <header class="page-head">
        <h1 class="page-title">Secrets</h1>
        <span class="page-sub">Values your scripts may read; nobody can read them back here</span>
        <span class="spacer" />
        <Show when={canManage() && !secrets.error}>
          <button type="button" class="btn btn-primary" onClick={() => setEditing({ name: "", isNew: true })}>
            <Icon name="plus" /> New secret
          </button>
        </Show>
      </header>
      <ResourceTable
        items={secrets}
        retry={refetch}
        feature="Secrets"
        empty={
          <Empty icon="key" title="No secrets yet">
            Store API keys and passwords here instead of in your code.
          </Empty>
        }
        head={
          <>
            <th>Name</th>
            <th>Updated</th>
            <th>By</th>
            <th />
          </>
        }
      >
        {(s) => (
          <tr>
            <td class="mono">{s.name}</td>
            <td title={when(s.updatedAt)}>{ago(s.updatedAt)}</td>
            <td class="muted" title={person(s.updatedBy).full}>
              {person(s.updatedBy).name}
            </td>
            <td class="num">
              <Show when={canManage()}>
                <button type="button" class="btn btn-small" onClick={() => setEditing({ name: s.name, isNew: false })}>
                  Set value
                </button>{" "}
                <button type="button" class="btn btn-small btn-ghost" onClick={() => void remove(s.name)} aria-label={`Delete ${s.name}`}>
                  <Icon name="trash" />
                </button>
              </Show>
            </td>
          </tr>
        )}
      </ResourceTable>
      <Show when={editing()} keyed>
        {(target) => <SecretDialog target={target} onClose={() => setEditing(undefined)} onSaved={refetch} />}
      </Show>
    </div>
  );
}

function SecretDialog(props: { target: { name: string; isNew: boolean }; onClose: () => void; onSaved: () => void }) {
  const ui = useUi();
  const [name, setName] = createSignal(props.target.name);
  const [value, setValue] = createSignal("");
  const [busy, setBusy] = createSignal(false);
  const nameProblem = () =>
    name() && !secretName.safeParse(name()).success ? "Letters, digits and _, up to 64, not starting with a digit: STRIPE_KEY" : undefined;
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    if (!name() || nameProblem() || !value()) return;
    setBusy(true);
    try {
      await api.setSecret(name(), value());
      rememberTyped(name(), value());
      ui.toast(`${name()} saved`);
      props.onSaved();
      props.onClose();
    } catch (err) {
      ui.toast(`Not saved: ${(err as Error).message}`, "error");
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal title={props.target.isNew ? "New secret" : `New value for ${props.target.name}`} onClose={props.onClose}>
      <form onSubmit={submit} class="settings-section">
        <Show when={props.target.isNew}>
          <label class="field">
            <span class="field-label">Name</span>
            <input class="input mono" value={name()} onInput={(e) => setName(e.currentTarget.value.trim())} placeholder="STRIPE_KEY" autofocus />
            <Show when={nameProblem()}>
              <span class="field-error">{nameProblem()}</span>
            </Show>
          </label>
        </Show>
        <label class="field">
          <span class="field-label">Value</span>
          <input
            class="input mono"
            type="password"
            autocomplete="off"
            value={value()}
            onInput={(e) => setValue(e.currentTarget.value)}
            autofocus={!props.target.isNew}
          />
          <span class="field-hint">Stored encrypted. It cannot be shown again, only replaced.</span>
        </label>
        <div class="modal-actions">
          <button type="button" class="btn" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="btn btn-primary" disabled={busy() || !name() || !!nameProblem() || !value()}>
            Save secret
          </button>
        </div>
      </form>
    </Modal>
  );
}
