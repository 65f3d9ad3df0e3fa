// The tenant's settings (owners and admins): how long history is kept, which hosts scripts may
// call, and the default alert rules. A platform admin also sets the tenant's name, domains,
// concurrency and budgets here.
import { createResource, Show } from "solid-js";
import { api } from "../../api/endpoints.ts";
import { useSession } from "../../session/index.tsx";
import { ready } from "../../ui/resource.ts";
import { Failure, Loading } from "../../ui/states.tsx";
import { Limits } from "./limits.tsx";
import { SettingsForm } from "./settings-form.tsx";
import "./tenant-settings.css";

export function TenantSettingsPage() {
  const session = useSession();
  const [settings, { refetch, mutate }] = createResource(() => api.settings());
  // Every tenant, to find this one's own limits (platform admins only).
  const [tenant, tenantActions] = createResource(
    () => session.me().platformAdmin || undefined,
    () => api.tenants().then((r) => r.items.find((t) => t.slug === session.me().tenant.slug)),
  );
  return (
    <div class="page settings-page">
      <header class="page-head">
        <h1 class="page-title">Settings</h1>
        <span class="page-sub">Of the tenant {session.me().tenant.slug}</span>
      </header>
      <Show when={ready(settings)} fallback={settings.error ? <Failure error={settings.error} retry={refetch} feature="Tenant settings" /> : <Loading />}>
        {(s) => <SettingsForm settings={s()} onSaved={mutate} />}
      </Show>
      <Show when={session.me().platformAdmin}>
        <Show when={ready(tenant)} fallback={tenant.error ? <Failure error={tenant.error} retry={tenantActions.refetch} /> : <Loading />}>
          {(t) => (
            <Limits
              tenant={t()}
              onSaved={() => {
                void tenantActions.refetch();
                void refetch();
              }}
            />
          )}
        </Show>
      </Show>
    </div>
  );
}
