// The tenant's members and their roles: add a new user with a password, or someone who already
// has an account with the join code they made; remove one (their sessions here end).
import { createResource, createSignal, Show } from "solid-js";
import { api, type MemberSummary } from "../../api/endpoints.ts";
import { useSession } from "../../session/index.tsx";
import { useUi } from "../../ui/feedback.tsx";
import { ago, when } from "../../ui/format.ts";
import { Icon } from "../../ui/icons.tsx";
import { ResourceTable } from "../../ui/resource-table.tsx";
import { Empty } from "../../ui/states.tsx";
import { AddUserDialog } from "./add-user.tsx";

export function Users() {
  const session = useSession();
  const ui = useUi();
  const [members, { refetch }] = createResource(() => api.users().then((r) => r.items));
  const [adding, setAdding] = createSignal(false);

  const remove = async (m: MemberSummary) => {
    const ok = await ui.confirm({
      title: `Remove ${m.username} from ${session.me().tenant.slug}?`,
      body: "Their sessions in this tenant end now. Their account and other tenants stay.",
      confirmLabel: "Remove",
      danger: true,
    });
    if (!ok) return;
    try {
      await api.removeUser(m.id);
      ui.toast(`${m.username} removed`);
      refetch();
    } catch (e) {
      ui.toast(`Not removed: ${(e as Error).message}`, "error");
    }
  };

  return (
    <div class="page">
      <header class="page-head">
        <h1 class="page-title">Users</h1>
        <span class="page-sub">Who may sign in to {session.me().tenant.slug}, and what they may do</span>
        <span class="spacer" />
        <button type="button" class="btn btn-primary" onClick={() => setAdding(true)}>
          <Icon name="plus" /> Add a user
        </button>
      </header>
      <ResourceTable
        items={members}
        retry={refetch}
        feature="Users"
        empty={<Empty icon="tenant" title="No members" />}
        head={
          <>
            <th>Username</th>
            <th>Role</th>
            <th>Member since</th>
            <th />
          </>
        }
      >
        {(m) => (
          <tr>
            <td class="mono">
              {m.username}
              <Show when={m.username === session.me().name}>
                {" "}
                <span class="badge">you</span>
              </Show>
            </td>
            <td>{m.role}</td>
            <td title={when(m.createdAt)}>{ago(m.createdAt)}</td>
            <td class="num">
              <Show when={m.username !== session.me().name}>
                <button type="button" class="btn btn-small btn-ghost" onClick={() => void remove(m)} aria-label={`Remove ${m.username}`}>
                  <Icon name="trash" /> Remove
                </button>
              </Show>
            </td>
          </tr>
        )}
      </ResourceTable>
      <Show when={adding()}>
        <AddUserDialog onClose={() => setAdding(false)} onAdded={refetch} />
      </Show>
    </div>
  );
}
