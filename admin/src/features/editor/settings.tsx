// Beside the code: the script's name and kind, its trigger settings, limits and tags.
import { useParams } from "@solidjs/router";
import { For, Index, Match, Show, Switch } from "solid-js";
import type { SetStoreFunction } from "solid-js/store";
import { scriptKinds } from "../../api/endpoints.ts";
import { endpointUrl } from "../../api/public.ts";
import { useSession } from "../../session/index.tsx";
import { useUi } from "../../ui/feedback.tsx";
import { Field } from "../../ui/field.tsx";
import { Icon } from "../../ui/icons.tsx";
import { explainCron } from "../../../../protocol/cron/explain.ts";
import { AlertSettings } from "./alert-settings.tsx";
import { CronPreview } from "./cron-field.tsx";
import { httpMethods, type Draft } from "./draft.ts";
import { HmacSettings } from "./hmac-settings.tsx";
import { TimeZoneSelect } from "./time-zone-select.tsx";

const kindHelp: Record<Draft["kind"], string> = {
  manual: "Runs when someone presses Run or calls the runs API.",
  embedded: "Called by the platform from inside a business flow.",
  scheduled: "Runs on a cron schedule.",
  http: "Answers HTTP requests at its own URL.",
  event: "Runs for each matching platform event, with retries.",
};

export interface SettingsProps {
  draft: Draft;
  setDraft: SetStoreFunction<Draft>;
  errors: Record<string, string>;
  readOnly: boolean;
  /** The server named a field while previewing (e.g. a time zone it does not know). */
  onPreviewError: (field: string | undefined, message: string | undefined) => void;
}

export function Settings(props: SettingsProps) {
  const ui = useUi();
  const session = useSession();
  // A saved script has an id in the address; its kind is fixed (the API refuses another).
  const params = useParams();
  const saved = () => !!params.id;
  const d = () => props.draft;
  const set = props.setDraft;
  // The tenant-domain form (/api/scripts/...) answers only on a domain the tenant owns; this one answers everywhere.
  const url = () => endpointUrl(session.me().tenant.slug, d().path.trim());
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url());
      ui.toast("URL copied");
    } catch {
      ui.toast("Could not copy: select the URL and copy it by hand", "error");
    }
  };

  return (
    <fieldset class="settings" disabled={props.readOnly}>
      <section class="settings-section">
        <Field label="Name" error={props.errors.name}>
          {(id, desc) => (
            <input
              id={id}
              class="input mono"
              value={d().name}
              aria-invalid={!!props.errors.name}
              aria-describedby={desc}
              placeholder="invoice-check"
              onInput={(e) => set("name", e.currentTarget.value)}
            />
          )}
        </Field>
        <Field
          label="Kind"
          hint={saved() ? `${kindHelp[d().kind]} A saved script keeps its kind: for another, create a new script.` : kindHelp[d().kind]}
          error={props.errors.kind}
        >
          {(id, desc) => (
            <select
              id={id}
              class="select"
              value={d().kind}
              aria-describedby={desc}
              disabled={saved()}
              onChange={(e) => set("kind", e.currentTarget.value as Draft["kind"])}
            >
              <For each={scriptKinds}>{(k) => <option value={k}>{k}</option>}</For>
            </select>
          )}
        </Field>
        <Field label="Description" error={props.errors.description}>
          {(id, desc) => (
            <textarea
              id={id}
              class="input"
              rows={2}
              value={d().description}
              aria-describedby={desc}
              placeholder="What it does, for the next person"
              onInput={(e) => set("description", e.currentTarget.value)}
            />
          )}
        </Field>
        <label class="switch">
          <input type="checkbox" role="switch" checked={d().enabled} aria-checked={d().enabled} onChange={(e) => set("enabled", e.currentTarget.checked)} />
          <span class="switch-track" />
          Enabled {d().kind === "manual" ? "" : "(its trigger fires)"}
        </label>
      </section>

      <Switch>
        <Match when={d().kind === "scheduled"}>
          <section class="settings-section">
            <h3 class="settings-title">Schedule</h3>
            <Field label="Cron" error={props.errors.cron} hint="minute hour day-of-month month day-of-week">
              {(id, desc) => (
                <input
                  id={id}
                  class="input mono"
                  value={d().cron}
                  aria-invalid={!!props.errors.cron || !!explainCron(d().cron).error}
                  aria-describedby={desc}
                  spellcheck={false}
                  onInput={(e) => set("cron", e.currentTarget.value)}
                />
              )}
            </Field>
            <Field label="Time zone" error={props.errors.timezone}>
              {(id, desc) => (
                <TimeZoneSelect id={id} value={d().timezone} describedBy={desc} invalid={!!props.errors.timezone} onChange={(zone) => set("timezone", zone)} />
              )}
            </Field>
            <CronPreview cron={d().cron} timezone={d().timezone} onServerError={props.onPreviewError} />
            <Field
              label="After downtime"
              hint={
                d().missedPolicy === "catch_up"
                  ? "Runs missed while the platform was down run once it is back."
                  : "Runs missed while the platform was down are skipped."
              }
            >
              {(id) => (
                <fieldset class="segmented" id={id} aria-label="After downtime">
                  <button type="button" aria-pressed={d().missedPolicy === "catch_up"} onClick={() => set("missedPolicy", "catch_up")}>
                    Catch up
                  </button>
                  <button type="button" aria-pressed={d().missedPolicy === "skip"} onClick={() => set("missedPolicy", "skip")}>
                    Skip
                  </button>
                </fieldset>
              )}
            </Field>
          </section>
        </Match>
        <Match when={d().kind === "http"}>
          <section class="settings-section">
            <h3 class="settings-title">HTTP endpoint</h3>
            <Field label="Path" error={props.errors.path} hint='Like "/orders/:id"'>
              {(id, desc) => (
                <input
                  id={id}
                  class="input mono"
                  value={d().path}
                  placeholder="/orders/:id"
                  aria-invalid={!!props.errors.path}
                  aria-describedby={desc}
                  onInput={(e) => set("path", e.currentTarget.value)}
                />
              )}
            </Field>
            <Show when={d().path.trim().startsWith("/")}>
              <div class="url-copy">
                <code title={url()}>{url()}</code>
                <button type="button" class="btn btn-small" onClick={copy} aria-label="Copy the URL">
                  <Icon name="copy" /> Copy
                </button>
              </div>
            </Show>
            <Field label="Methods" error={props.errors.methods}>
              {(id) => (
                <fieldset class="pills" id={id} aria-label="Methods">
                  <For each={httpMethods}>
                    {(m) => (
                      <label class="pill">
                        <input
                          type="checkbox"
                          checked={d().methods.includes(m)}
                          onChange={(e) => set("methods", (list) => (e.currentTarget.checked ? [...list, m] : list.filter((x) => x !== m)))}
                        />
                        {m}
                      </label>
                    )}
                  </For>
                </fieldset>
              )}
            </Field>
            <Field
              label="Access"
              error={props.errors.access}
              hint={
                { public: "Anyone with the URL may call it.", token: "Callers send an API token.", hmac: "Callers sign each request with a shared secret." }[
                  d().access
                ]
              }
            >
              {(id, desc) => (
                <select
                  id={id}
                  class="select"
                  value={d().access}
                  aria-describedby={desc}
                  onChange={(e) => set("access", e.currentTarget.value as Draft["access"])}
                >
                  <option value="token">API token</option>
                  <option value="hmac">HMAC signature</option>
                  <option value="public">Public</option>
                </select>
              )}
            </Field>
            <Show when={d().access === "hmac"}>
              <HmacSettings draft={d()} setDraft={set} errors={props.errors} readOnly={props.readOnly} />
            </Show>
          </section>
        </Match>
        <Match when={d().kind === "event"}>
          <section class="settings-section">
            <h3 class="settings-title">Events</h3>
            <Field label="Event types" error={props.errors.events} hint='Comma-separated, like "payment.processed, order.*"'>
              {(id, desc) => (
                <input
                  id={id}
                  class="input mono"
                  value={d().events}
                  aria-invalid={!!props.errors.events}
                  aria-describedby={desc}
                  onInput={(e) => set("events", e.currentTarget.value)}
                />
              )}
            </Field>
            <Field label="Attempts before dead letter" error={props.errors.maxAttempts}>
              {(id, desc) => (
                <input
                  id={id}
                  class="input"
                  type="number"
                  min="1"
                  max="20"
                  value={d().maxAttempts}
                  aria-describedby={desc}
                  onInput={(e) => set("maxAttempts", e.currentTarget.value)}
                />
              )}
            </Field>
          </section>
        </Match>
      </Switch>

      <section class="settings-section settings-grid">
        <h3 class="settings-title">Limits</h3>
        <Field label="Timeout (ms)" error={props.errors.timeoutMs}>
          {(id, desc) => (
            <input
              id={id}
              class="input"
              type="number"
              min="100"
              max="900000"
              step="100"
              value={d().timeoutMs}
              aria-describedby={desc}
              onInput={(e) => set("timeoutMs", e.currentTarget.value)}
            />
          )}
        </Field>
        <Field label="Memory (MB)" error={props.errors.memoryMb}>
          {(id, desc) => (
            <input
              id={id}
              class="input"
              type="number"
              min="16"
              value={d().memoryMb}
              aria-describedby={desc}
              onInput={(e) => set("memoryMb", e.currentTarget.value)}
            />
          )}
        </Field>
      </section>

      <AlertSettings draft={d()} setDraft={set} error={props.errors.alerts} readOnly={props.readOnly} />

      <section class="settings-section">
        <h3 class="settings-title">Tags</h3>
        <Index each={d().tags}>
          {(tag, i) => (
            <div class="tag-row">
              <input
                class="input mono"
                aria-label={`Tag ${i + 1} key`}
                placeholder="team"
                value={tag().key}
                onInput={(e) => set("tags", i, "key", e.currentTarget.value)}
              />
              <input
                class="input mono"
                aria-label={`Tag ${i + 1} value`}
                placeholder="finance"
                value={tag().value}
                onInput={(e) => set("tags", i, "value", e.currentTarget.value)}
              />
              <button
                type="button"
                class="btn btn-ghost btn-small"
                aria-label={`Remove tag ${i + 1}`}
                onClick={() => set("tags", (tags) => tags.filter((_, j) => j !== i))}
              >
                <Icon name="x" />
              </button>
            </div>
          )}
        </Index>
        <Show when={props.errors.tags}>
          <p class="field-error">{props.errors.tags}</p>
        </Show>
        <button type="button" class="link-button add-tag" onClick={() => set("tags", (tags) => [...tags, { key: "", value: "" }])}>
          + Add a tag
        </button>
      </section>
    </fieldset>
  );
}
