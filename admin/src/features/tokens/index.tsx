// API tokens of the tenant: for services (embedded calls, events), CI (iota push) and token
// endpoints. A new token is shown once, to copy; only its hash is stored. Revoking is at once.
import { createResource, createSignal, Show } from "solid-js";
import { api, type TokenSummary } from "../../api/endpoints.ts";
import { useSession } from "../../session/index.tsx";
import { useUi } from "../../ui/feedback.tsx";
import { ago, person, when } from "../../ui/format.ts";
import { Icon } from "../../ui/icons.tsx";
import { ResourceTable } from "../../ui/resource-table.tsx";
import { Empty } from "../../ui/states.tsx";
import { NewTokenDialog } from "./new-token.tsx";

export function Tokens() {
  const session = useSession();
  const ui = useUi();
  const [tokens, { refetch }] = createResource(() => api.tokens().then((r) => r.items));
  const [creating, setCreating] = createSignal(false);

  const revoke = async (t: TokenSummary) => {
    const ok = await ui.confirm({
      title: `Revoke ${t.name}?`,
      body: "Whatever uses it is refused from now on. This cannot be undone; a new token can be made.",
      confirmLabel: "Revoke token",
      danger: true,
    });
    if (!ok) return;
    try {
      await api.revokeToken(t.id);
      ui.toast(`${t.name} revoked`);
      refetch();
    } catch (e) {
      ui.toast(`Not revoked: ${(e as Error).message}`, "error");
    }
  };

  return (
    <div class="page">
      <header class="page-head">
        <h1 class="page-title">API tokens</h1>
        <span class="page-sub">For services, CI and token-protected endpoints of {session.me().tenant.slug}</span>
        <span class="spacer" />
        <button type="button" class="btn btn-primary" onClick={() => setCreating(true)}>
          <Icon name="plus" /> New token
        </button>
      </header>
      <ResourceTable
        items={tokens}
        retry={refetch}
        feature="API tokens"
        empty={
          <Empty icon="key" title="No API tokens yet">
            A token lets a service call embedded scripts, publish events or run the iota command line without a password.
          </Empty>
        }
        head={
          <>
            <th>Name</th>
            <th>Role</th>
            <th>Created</th>
            <th>By</th>
            <th />
          </>
        }
      >
        {(t) => (
          <tr>
            <td class="mono">
              {t.name}
              <Show when={t.platformAdmin}>
                {" "}
                <span class="badge">platform admin</span>
              </Show>
            </td>
            <td>{t.role}</td>
            <td title={when(t.createdAt)}>{ago(t.createdAt)}</td>
            <td class="muted" title={person(t.createdBy).full}>
              {t.createdBy ? person(t.createdBy).name : "—"}
            </td>
            <td class="num">
              <button type="button" class="btn btn-small btn-ghost" onClick={() => void revoke(t)} aria-label={`Revoke ${t.name}`}>
                <Icon name="trash" /> Revoke
              </button>
            </td>
          </tr>
        )}
      </ResourceTable>
      <Show when={creating()}>
        <NewTokenDialog onClose={() => setCreating(false)} onCreated={refetch} />
      </Show>
    </div>
  );
}
