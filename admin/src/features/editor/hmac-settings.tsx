// A signed endpoint's settings: which tenant secret signs requests (its value set here, and
// never shown again, as on the Secrets page), the signature scheme and the header it comes in.
import { createResource, createSignal, For, Show } from "solid-js";
import type { SetStoreFunction } from "solid-js/store";
import { api } from "../../api/endpoints.ts";
import { secretName } from "../../../../protocol/schemas/secrets.ts";
import { useSession } from "../../session/index.tsx";
import { useUi } from "../../ui/feedback.tsx";
import { Field } from "../../ui/field.tsx";
import { ago, person } from "../../ui/format.ts";
import { ready } from "../../ui/resource.ts";
import { rememberTyped } from "../secrets/typed-values.ts";
import type { Draft, HmacScheme } from "./draft.ts";

export const defaultHeader: Record<HmacScheme, string> = { "sha256-hex": "x-signature", stripe: "stripe-signature" };

const schemeHelp: Record<HmacScheme, string> = {
  "sha256-hex": "The header holds the hex HMAC-SHA256 of the body, optionally as sha256=… (GitHub's form).",
  stripe: "The header holds t=<unix seconds>,v1=<hex HMAC-SHA256 of t.body> (Stripe's form); older than 5 minutes is refused.",
};

export function HmacSettings(props: { draft: Draft; setDraft: SetStoreFunction<Draft>; errors: Record<string, string>; readOnly: boolean }) {
  const session = useSession();
  const ui = useUi();
  const [secrets, { refetch }] = createResource(() => api.secrets().then((r) => r.items));
  const [value, setValue] = createSignal("");
  const [saving, setSaving] = createSignal(false);
  const name = () => props.draft.hmacSecret.trim();
  const stored = () => ready(secrets)?.find((s) => s.name === name());
  const nameOk = () => secretName.safeParse(name()).success;

  const saveValue = async () => {
    if (!nameOk() || !value()) return;
    setSaving(true);
    try {
      await api.setSecret(name(), value());
      rememberTyped(name(), value());
      setValue("");
      ui.toast(`${name()} saved; it cannot be shown again`);
      refetch();
    } catch (e) {
      ui.toast(`Not saved: ${(e as Error).message}`, "error");
    } finally {
      setSaving(false);
    }
  };

  return (
    <div class="hmac">
      <Field label="Signing secret" error={props.errors.hmacSecret} hint="The name of a tenant secret; senders sign with its value.">
        {(id, desc) => (
          <>
            <input
              id={id}
              class="input mono"
              list="secret-names"
              placeholder="SIGNUP_WEBHOOK_SECRET"
              value={props.draft.hmacSecret}
              aria-invalid={!!props.errors.hmacSecret}
              aria-describedby={desc}
              onInput={(e) => props.setDraft("hmacSecret", e.currentTarget.value.trim())}
            />
            <datalist id="secret-names">
              <For each={ready(secrets)}>{(s) => <option value={s.name} />}</For>
            </datalist>
          </>
        )}
      </Field>
      <Show when={nameOk()}>
        <p class="secret-state" classList={{ "secret-missing": !!secrets.latest && !stored() }}>
          <Show when={stored()} fallback={secrets.latest ? `${name()} is not set yet: the endpoint refuses every call until it is.` : ""}>
            {(s) => `${s().name} was set ${ago(s().updatedAt)}${s().updatedBy ? ` by ${person(s().updatedBy).name}` : ""}. Its value is never shown.`}
          </Show>
        </p>
        {/* Outside the settings' fieldset rules: setting a value is its own request, for those who manage secrets. */}
        <Show when={session.can("secrets.manage")} fallback={<p class="field-hint">An owner or admin sets its value on the Secrets page.</p>}>
          <div class="secret-value">
            <input
              class="input mono"
              type="password"
              autocomplete="off"
              aria-label={`Value of ${name()}`}
              placeholder={stored() ? "New value (replaces the current one)" : "Value"}
              value={value()}
              onInput={(e) => setValue(e.currentTarget.value)}
            />
            <button type="button" class="btn btn-small" disabled={saving() || !value()} onClick={() => void saveValue()}>
              {stored() ? "Replace value" : "Set value"}
            </button>
          </div>
        </Show>
      </Show>
      <Field label="Scheme" hint={schemeHelp[props.draft.hmacScheme]} error={props.errors.hmacScheme}>
        {(id, desc) => (
          <select
            id={id}
            class="select"
            value={props.draft.hmacScheme}
            aria-describedby={desc}
            disabled={props.readOnly}
            onChange={(e) => props.setDraft("hmacScheme", e.currentTarget.value as HmacScheme)}
          >
            <option value="sha256-hex">sha256-hex: HMAC of the body</option>
            <option value="stripe">stripe: timestamped, t=…,v1=…</option>
          </select>
        )}
      </Field>
      <Field label="Signature header" error={props.errors.hmacHeader} hint={`Left empty: ${defaultHeader[props.draft.hmacScheme]}`}>
        {(id, desc) => (
          <input
            id={id}
            class="input mono"
            placeholder={defaultHeader[props.draft.hmacScheme]}
            value={props.draft.hmacHeader}
            aria-invalid={!!props.errors.hmacHeader}
            aria-describedby={desc}
            onInput={(e) => props.setDraft("hmacHeader", e.currentTarget.value.trim())}
          />
        )}
      </Field>
    </div>
  );
}
