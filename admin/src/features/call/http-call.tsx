// How an HTTP script is called from outside: its working URL and a curl line to copy, signed
// here for an HMAC endpoint when the secret's value is given (it stays in this tab's memory).
import { createResource, createSignal, For, Match, Show, Switch } from "solid-js";
import type { HttpConfig, HttpMethod } from "../../../../protocol/api.ts";
import { endpointUrl } from "../../api/public.ts";
import { CodeBlock } from "../../ui/copy.tsx";
import { typedValue } from "../secrets/typed-values.ts";
import { curl, shellQuote } from "./curl.ts";
import { fillPath, pathParams } from "./path.ts";
import { signatureFor, signatureHeaderOf } from "./signature.ts";

const sampleBody = '{"hello":"world"}';

export function HttpCall(props: { config: HttpConfig; tenant: string }) {
  const c = () => props.config;
  const [method, setMethod] = createSignal(c().methods[0] ?? "POST");
  const [params, setParams] = createSignal<Record<string, string>>({});
  const [body, setBody] = createSignal(sampleBody);
  const [secret, setSecret] = createSignal(c().hmacSecret ? (typedValue(c().hmacSecret!) ?? "") : "");
  const url = () => endpointUrl(props.tenant, fillPath(c().path, params()));
  const hasBody = () => method() !== "GET" && method() !== "HEAD";
  const sent = () => (hasBody() ? body() : "");
  const header = () => signatureHeaderOf(c());
  const json = (): [string, string][] => (hasBody() ? [["content-type", "application/json"]] : []);

  const [signature] = createResource(
    () => (c().access === "hmac" && secret() ? { scheme: c().hmacScheme ?? "sha256-hex", secret: secret(), body: sent() } : undefined),
    (s) => signatureFor(s.scheme, s.secret, s.body),
  );
  const signed = () => curl({ method: method(), url: url(), headers: [...json(), [header(), signature() ?? ""]], body: sent() });
  const shellSigned = () => {
    const stripe = c().hmacScheme === "stripe";
    const digest = `openssl dgst -sha256 -hmac "$SIGNING_SECRET" -r | cut -d' ' -f1`;
    return [
      `# SIGNING_SECRET: the value of the tenant secret ${c().hmacSecret ?? ""}`,
      `body=${shellQuote(sent())}`,
      ...(stripe ? ["t=$(date +%s)", `sig=$(printf '%s.%s' "$t" "$body" | ${digest})`] : [`sig=$(printf '%s' "$body" | ${digest})`]),
      curl({ method: method(), url: url(), headers: [...json(), [header(), stripe ? "t=$t,v1=$sig" : "$sig"]], expand: true }) +
        (hasBody() ? ' \\\n  --data-raw "$body"' : ""),
    ].join("\n");
  };

  return (
    <div class="call">
      <CodeBlock code={endpointUrl(props.tenant, c().path)} what="URL" />
      <p class="field-hint">
        Answers {c().methods.join(", ")} on any host of the platform. On one of the tenant's own domains it is also at /api/scripts{c().path}.
      </p>
      <div class="call-form">
        <label class="field">
          <span class="field-label">Method</span>
          <select class="select" value={method()} onChange={(e) => setMethod(e.currentTarget.value as HttpMethod)}>
            <For each={c().methods}>{(m) => <option value={m}>{m}</option>}</For>
          </select>
        </label>
        <For each={pathParams(c().path)}>
          {(name) => (
            <label class="field">
              <span class="field-label mono">:{name}</span>
              <input
                class="input mono"
                value={params()[name] ?? ""}
                placeholder={name}
                onInput={(e) => setParams({ ...params(), [name]: e.currentTarget.value })}
              />
            </label>
          )}
        </For>
      </div>
      <Show when={hasBody()}>
        <label class="field">
          <span class="field-label">Body</span>
          <textarea class="input mono" rows={3} spellcheck={false} aria-label="Body to send" value={body()} onInput={(e) => setBody(e.currentTarget.value)} />
        </label>
      </Show>
      <Switch>
        <Match when={c().access === "public"}>
          <CodeBlock code={curl({ method: method(), url: url(), headers: json(), body: sent() })} what="curl command" />
        </Match>
        <Match when={c().access === "token"}>
          <p class="field-hint">Callers send an API token of this tenant with the scripts.execute permission (Tokens page).</p>
          <CodeBlock
            code={curl({ method: method(), url: url(), headers: [...json(), ["authorization", "Bearer $IOTA_TOKEN"]], body: sent(), expand: true })}
            what="curl command"
          />
        </Match>
        <Match when={c().access === "hmac"}>
          <label class="field">
            <span class="field-label">Value of {c().hmacSecret ?? "the signing secret"}, to sign here</span>
            <input
              class="input mono"
              type="password"
              autocomplete="off"
              aria-label="Signing secret value for curl"
              value={secret()}
              placeholder="Kept in this tab only"
              onInput={(e) => setSecret(e.currentTarget.value)}
            />
          </label>
          <Show when={signature()} fallback={<p class="field-hint">Without the value, sign in a shell:</p>}>
            <CodeBlock
              code={signed()}
              what="curl command"
              label={`curl command, signed (${c().hmacScheme === "stripe" ? "valid for 5 minutes" : "for this body"})`}
            />
          </Show>
          <CodeBlock code={shellSigned()} what="shell script" label="Signed in a shell with openssl" />
        </Match>
      </Switch>
    </div>
  );
}
