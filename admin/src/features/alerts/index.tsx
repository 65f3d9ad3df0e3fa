// Alerts: the tenant's default rules (editable here, as on Settings) and the scripts that have
// rules of their own, each with what raises it and where it goes.
import { A } from "@solidjs/router";
import { createResource, createSignal, For, Show } from "solid-js";
import type { AlertRule, ScriptSummary } from "../../../../protocol/api.ts";
import { api } from "../../api/endpoints.ts";
import { useUi } from "../../ui/feedback.tsx";
import { ready } from "../../ui/resource.ts";
import { ResourceTable } from "../../ui/resource-table.tsx";
import { Empty, Failure, Loading } from "../../ui/states.tsx";
import { KindBadge } from "../../ui/status.tsx";
import { RuleEditor, rulesValid } from "./rule-editor.tsx";
import { describeRule, ruleDraftOf, ruleOf, type RuleDraft } from "./rules.ts";
import "./alerts.css";

export function Alerts() {
  const [settings, { refetch }] = createResource(() => api.settings());
  const [scripts, scriptsActions] = createResource(() => api.scripts().then((r) => r.items.filter((s) => s.alerts !== null)));
  return (
    <div class="page alerts-page">
      <header class="page-head">
        <h1 class="page-title">Alerts</h1>
        <span class="page-sub">Who hears about failed, timed-out and interrupted runs and dead-lettered events</span>
      </header>
      <section class="card">
        <h2 class="card-head">Tenant defaults</h2>
        <div class="card-body">
          <Show when={ready(settings)} fallback={settings.error ? <Failure error={settings.error} retry={refetch} /> : <Loading />}>
            {(s) => <DefaultRules rules={s().alerts} />}
          </Show>
        </div>
      </section>
      <h2 class="section-title">Scripts with their own rules</h2>
      <ResourceTable
        items={scripts}
        retry={scriptsActions.refetch}
        feature="Scripts"
        empty={
          <Empty icon="alert" title="Every script follows the tenant's defaults">
            A script gets its own rules in its Settings, under Alerts.
          </Empty>
        }
        head={
          <>
            <th>Script</th>
            <th>Kind</th>
            <th>Rules</th>
          </>
        }
      >
        {(s: ScriptSummary) => (
          <tr>
            <td>
              <A href={`/scripts/${s.id}`} class="mono">
                {s.name}
              </A>
            </td>
            <td>
              <KindBadge kind={s.kind} />
            </td>
            <td>
              <RuleList rules={s.alerts ?? []} />
            </td>
          </tr>
        )}
      </ResourceTable>
      <p class="field-hint alerts-note">
        Each alert is sent by email (SMTP) or to a webhook ({"{text}"} for Slack, Mattermost or any JSON receiver) through the egress policy, and retried until
        delivered.
      </p>
    </div>
  );
}

function RuleList(props: { rules: AlertRule[] }) {
  return (
    <Show when={props.rules.length > 0} fallback={<span class="muted">No alerts (an empty list silences it)</span>}>
      <ul class="rule-list">
        <For each={props.rules}>{(r) => <li>{describeRule(r)}</li>}</For>
      </ul>
    </Show>
  );
}

function DefaultRules(props: { rules: AlertRule[] }) {
  const ui = useUi();
  const [saved, setSaved] = createSignal(props.rules.map(ruleDraftOf));
  const [rules, setRules] = createSignal<RuleDraft[]>(saved());
  const [saving, setSaving] = createSignal(false);
  const dirty = () => JSON.stringify(rules()) !== JSON.stringify(saved());
  const save = async () => {
    if (!rulesValid(rules())) return ui.toast("A rule needs fixing before saving", "error");
    setSaving(true);
    try {
      const answer = await api.updateSettings({ alerts: rules().map(ruleOf) });
      setSaved(answer.alerts.map(ruleDraftOf));
      setRules(saved());
      ui.toast("Alert defaults saved");
    } catch (e) {
      ui.toast(`Not saved: ${(e as Error).message}`, "error");
    } finally {
      setSaving(false);
    }
  };
  return (
    <div class="default-rules">
      <Show when={rules().length === 0}>
        <p class="muted">No default rules: scripts without their own send no alerts.</p>
      </Show>
      <RuleEditor rules={rules()} onChange={setRules} slots label="Default alert rule" />
      <div class="settings-actions">
        <span class="spacer" />
        <button type="button" class="btn btn-primary" disabled={saving() || !dirty()} onClick={() => void save()}>
          {saving() ? "Saving…" : "Save defaults"}
        </button>
      </div>
    </div>
  );
}
