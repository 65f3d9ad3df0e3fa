// A platform admin's part of a tenant: its name, its domains, how many executions it runs at
// once and its budgets. Empty means the platform's default.
import { createMemo, createSignal } from "solid-js";
import { createStore, reconcile, unwrap } from "solid-js/store";
import type { Tenant } from "../../../../protocol/api.ts";
import { api } from "../../api/endpoints.ts";
import { useUi } from "../../ui/feedback.tsx";
import { Field } from "../../ui/field.tsx";
import { limitsBody, limitsDraftOf, limitsProblems, type LimitsDraft } from "./form.ts";

export function Limits(props: { tenant: Tenant; onSaved: () => void }) {
  const ui = useUi();
  const [saved, setSaved] = createSignal(limitsDraftOf(props.tenant));
  const [draft, setDraft] = createStore<LimitsDraft>(limitsDraftOf(props.tenant));
  const [saving, setSaving] = createSignal(false);
  const dirty = createMemo(() => JSON.stringify(draft) !== JSON.stringify(saved()));
  const errors = () => limitsProblems(draft);
  const number = (key: keyof LimitsDraft, label: string, hint: string, error?: string) => (
    <Field label={label} hint={hint} error={error}>
      {(id, desc) => (
        <input
          id={id}
          class="input"
          type="number"
          min="1"
          placeholder="platform default"
          value={draft[key]}
          aria-describedby={desc}
          onInput={(e) => setDraft(key, e.currentTarget.value)}
        />
      )}
    </Field>
  );

  const save = async (e: SubmitEvent) => {
    e.preventDefault();
    if (Object.keys(errors()).length > 0) return ui.toast("Some limits need fixing before saving", "error");
    setSaving(true);
    try {
      const answer = await api.updateTenant(props.tenant.slug, limitsBody(JSON.parse(JSON.stringify(unwrap(draft))) as LimitsDraft));
      setSaved(limitsDraftOf(answer));
      setDraft(reconcile(limitsDraftOf(answer)));
      ui.toast(`Limits of ${answer.slug} saved`);
      props.onSaved();
    } catch (err) {
      ui.toast(`Not saved: ${(err as Error).message}`, "error");
    } finally {
      setSaving(false);
    }
  };

  return (
    <form class="card card-body settings-card" onSubmit={save} aria-label="Platform limits">
      <section class="settings-section">
        <h2 class="settings-title">Platform admin: the tenant</h2>
        <div class="settings-grid">
          <Field label="Name" error={errors().name}>
            {(id) => <input id={id} class="input" value={draft.name} onInput={(e) => setDraft("name", e.currentTarget.value)} />}
          </Field>
          <Field label="Domains" error={errors().domains} hint="One a line: /api/scripts/* there are this tenant's endpoints.">
            {(id, desc) => (
              <textarea
                id={id}
                class="input mono"
                rows={2}
                value={draft.domains}
                aria-describedby={desc}
                onInput={(e) => setDraft("domains", e.currentTarget.value)}
              />
            )}
          </Field>
        </div>
      </section>
      <section class="settings-section">
        <h2 class="settings-title">Concurrency and budgets</h2>
        <div class="settings-grid">
          {number("maxConcurrency", "Running at once", "Executions; over it, sync calls get 429 and async work waits.", errors().maxConcurrency)}
          {number("maxQueued", "Waiting at most", "Executions in the queue.", errors().maxQueued)}
          {number("maxQueuedMb", "Their input (MB)", "Total input of the waiting executions.", errors().maxQueuedBytes)}
          {number("maxHistoryMbPerDay", "History per day (MB)", "Recorded per UTC day: input, output, logs.", errors().maxHistoryBytesPerDay)}
        </div>
      </section>
      <div class="settings-actions">
        <span class="spacer" />
        <button type="submit" class="btn btn-primary" disabled={saving() || !dirty()}>
          {saving() ? "Saving…" : "Save limits"}
        </button>
      </div>
    </form>
  );
}
