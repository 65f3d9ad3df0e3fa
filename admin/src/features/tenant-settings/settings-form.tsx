// What a tenant's owners and admins set themselves: retention, egress lists, alert defaults.
// The budgets that apply are shown beside them; a platform admin changes those.
import { createMemo, createSignal, Show } from "solid-js";
import { createStore, reconcile, unwrap } from "solid-js/store";
import type { TenantSettings } from "../../../../protocol/api.ts";
import { api } from "../../api/endpoints.ts";
import { useLeaveGuard } from "../../router/leave-guard.ts";
import { useUi } from "../../ui/feedback.tsx";
import { Field } from "../../ui/field.tsx";
import { RuleEditor } from "../alerts/rule-editor.tsx";
import { settingsBody, settingsDraftOf, settingsProblems, type SettingsDraft } from "./form.ts";

const bytes = (n: number) => (n >= 1024 * 1024 * 1024 ? `${(n / 1024 ** 3).toFixed(1)} GB` : `${Math.round(n / 1024 / 1024)} MB`);

export function SettingsForm(props: { settings: TenantSettings; onSaved: (s: TenantSettings) => void }) {
  const ui = useUi();
  const [saved, setSaved] = createSignal(settingsDraftOf(props.settings));
  const [draft, setDraft] = createStore<SettingsDraft>(settingsDraftOf(props.settings));
  const [saving, setSaving] = createSignal(false);
  const [serverError, setServerError] = createSignal<Record<string, string>>({});
  const snapshot = () => JSON.parse(JSON.stringify(unwrap(draft))) as SettingsDraft;
  const dirty = createMemo(() => JSON.stringify(draft) !== JSON.stringify(saved()));
  const errors = () => ({ ...settingsProblems(draft), ...serverError() });
  useLeaveGuard(() => (dirty() ? "Your changes to the settings are not saved. If you leave now, they are lost." : undefined));

  const save = async (e: SubmitEvent) => {
    e.preventDefault();
    if (Object.keys(settingsProblems(draft)).length > 0) return ui.toast("Some settings need fixing before saving", "error");
    setSaving(true);
    setServerError({});
    try {
      const answer = await api.updateSettings(settingsBody(snapshot()));
      setSaved(settingsDraftOf(answer));
      setDraft(reconcile(settingsDraftOf(answer)));
      props.onSaved(answer);
      ui.toast("Settings saved");
    } catch (err) {
      const field = (err as { field?: string }).field;
      if (field) setServerError({ [field.replace(/[.[].*$/, "")]: (err as Error).message });
      ui.toast(`Not saved: ${(err as Error).message}`, "error");
    } finally {
      setSaving(false);
    }
  };

  return (
    <form class="card card-body settings-card" onSubmit={save} aria-label="Tenant settings">
      <section class="settings-section">
        <h2 class="settings-title">History</h2>
        <Field
          label="Keep history for (days)"
          error={errors().retentionDays}
          hint="Executions, their logs and dead letters older than this are deleted daily. Versions are kept."
        >
          {(id, desc) => (
            <input
              id={id}
              class="input narrow"
              type="number"
              min="1"
              max="3650"
              value={draft.retentionDays}
              aria-describedby={desc}
              onInput={(e) => setDraft("retentionDays", e.currentTarget.value)}
            />
          )}
        </Field>
      </section>
      <section class="settings-section">
        <h2 class="settings-title">Egress: hosts scripts may call</h2>
        <div class="settings-grid">
          <Field label="Allow only" error={errors().egressAllow} hint='One host a line, like "api.stripe.com" or "*.example.com". Empty: any public host.'>
            {(id, desc) => (
              <textarea
                id={id}
                class="input mono"
                rows={4}
                value={draft.egressAllow}
                aria-describedby={desc}
                onInput={(e) => setDraft("egressAllow", e.currentTarget.value)}
              />
            )}
          </Field>
          <Field label="Never" error={errors().egressDeny} hint="Refused even when allowed. Private and loopback addresses are always refused.">
            {(id, desc) => (
              <textarea
                id={id}
                class="input mono"
                rows={4}
                value={draft.egressDeny}
                aria-describedby={desc}
                onInput={(e) => setDraft("egressDeny", e.currentTarget.value)}
              />
            )}
          </Field>
        </div>
      </section>
      <section class="settings-section">
        <h2 class="settings-title">Alert defaults</h2>
        <p class="field-hint">
          For every script without rules of its own. The first failure alerts at once, more within 15 minutes come as one digest, the next success says
          resolved.
        </p>
        <RuleEditor rules={draft.alerts} onChange={(rules) => setDraft("alerts", rules)} slots label="Default alert rule" />
        <Show when={errors().alerts}>
          <p class="field-error">{errors().alerts}</p>
        </Show>
      </section>
      <section class="settings-section">
        <h2 class="settings-title">Budgets</h2>
        <dl class="facts">
          <dt>Waiting executions</dt>
          <dd>{props.settings.budgets.maxQueued.toLocaleString()}</dd>
          <dt>Their input</dt>
          <dd>{bytes(props.settings.budgets.maxQueuedBytes)}</dd>
          <dt>History per day</dt>
          <dd>{bytes(props.settings.budgets.maxHistoryBytesPerDay)}</dd>
        </dl>
        <p class="field-hint">Set by a platform admin. The Usage page shows where the tenant stands.</p>
      </section>
      <div class="settings-actions">
        <Show when={dirty()}>
          <button type="button" class="link-button" onClick={() => setDraft(reconcile(saved()))}>
            Discard changes
          </button>
        </Show>
        <span class="spacer" />
        <button type="submit" class="btn btn-primary" disabled={saving() || !dirty()}>
          {saving() ? "Saving…" : "Save settings"}
        </button>
      </div>
    </form>
  );
}
