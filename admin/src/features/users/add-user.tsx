// Adding a member: a new user with a username and password,
// or a person with an account elsewhere, by the join code they made for this tenant.
import { createSignal, For, Match, Show, Switch } from "solid-js";
import type { Role } from "../../../../protocol/roles.ts";
import { addUserRequest } from "../../../../protocol/schemas/access.ts";
import { apiMessages, issueField, sentence } from "../../../../protocol/schemas/problems.ts";
import { api } from "../../api/endpoints.ts";
import { useSession } from "../../session/index.tsx";
import { useUi } from "../../ui/feedback.tsx";
import { Modal } from "../../ui/modal.tsx";
import { grantable, roleHelp } from "../tokens/new-token.tsx";

export function AddUserDialog(props: { onClose: () => void; onAdded: () => void }) {
  const session = useSession();
  const ui = useUi();
  const choices = grantable(session.me().role);
  const [how, setHow] = createSignal<"new" | "code">("new");
  const [username, setUsername] = createSignal("");
  const [password, setPassword] = createSignal("");
  const [code, setCode] = createSignal("");
  const [role, setRole] = createSignal<Role>("developer");
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<string>();

  const body = () => (how() === "new" ? { username: username().trim(), password: password(), role: role() } : { joinCode: code().trim(), role: role() });
  // The schema's own checks; the password's length is the server's rule (10 to 200).
  const problem = () => {
    const result = addUserRequest.safeParse(body(), { error: apiMessages });
    const issue = result.error?.issues[0];
    if (issue) return sentence(issueField(issue), issue.message);
    if (how() === "new" && (password().length < 10 || password().length > 200)) return "password must be 10 to 200 characters";
    return undefined;
  };

  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    if (problem()) return setError(problem());
    setBusy(true);
    setError(undefined);
    try {
      const added = await api.addUser(body());
      ui.toast(`${added.username} added as ${added.role}`);
      props.onAdded();
      props.onClose();
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal title="Add a user" onClose={props.onClose}>
      <form class="settings-section" onSubmit={submit}>
        <fieldset class="segmented" aria-label="Who">
          <button type="button" aria-pressed={how() === "new"} onClick={() => setHow("new")}>
            A new user
          </button>
          <button type="button" aria-pressed={how() === "code"} onClick={() => setHow("code")}>
            Someone with an account
          </button>
        </fieldset>
        <Switch>
          <Match when={how() === "new"}>
            <label class="field">
              <span class="field-label">Username</span>
              <input class="input mono" autocomplete="off" value={username()} onInput={(e) => setUsername(e.currentTarget.value)} autofocus />
            </label>
            <label class="field">
              <span class="field-label">Password</span>
              <input class="input" type="password" autocomplete="new-password" value={password()} onInput={(e) => setPassword(e.currentTarget.value)} />
              <span class="field-hint">10 characters or more; hand it to them safely.</span>
            </label>
          </Match>
          <Match when={how() === "code"}>
            <label class="field">
              <span class="field-label">Join code</span>
              <input class="input mono" autocomplete="off" value={code()} onInput={(e) => setCode(e.currentTarget.value)} autofocus />
              <span class="field-hint">
                They make it with "Join another tenant" (under their name), naming {session.me().tenant.slug}; it works for 24 hours.
              </span>
            </label>
          </Match>
        </Switch>
        <label class="field">
          <span class="field-label">Role</span>
          <select class="select" value={role()} onChange={(e) => setRole(e.currentTarget.value as Role)}>
            <For each={choices}>{(r) => <option value={r}>{`${r}: ${roleHelp[r]}`}</option>}</For>
          </select>
        </label>
        <Show when={error()}>
          <p class="field-error" role="alert">
            {error()}
          </p>
        </Show>
        <div class="modal-actions">
          <button type="button" class="btn" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" class="btn btn-primary" disabled={busy()}>
            Add user
          </button>
        </div>
      </form>
    </Modal>
  );
}
