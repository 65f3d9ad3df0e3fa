// An HTTP script tried as its callers call it: a request (method, path parameters, headers,
// body) sent to its real URL, then the answer it got and the execution that made it. A token
// or signing secret it needs is typed here and kept in this tab's memory only.
import { createSignal, For, Index, Match, Show, Switch } from "solid-js";
import type { HttpMethod, ScriptDetail } from "../../../../protocol/api.ts";
import { api } from "../../api/endpoints.ts";
import { callEndpoint, endpointUrl, type CallAnswer } from "../../api/public.ts";
import { useSession } from "../../session/index.tsx";
import { modKey } from "../../ui/format.ts";
import { Icon } from "../../ui/icons.tsx";
import { fillPath, pathParams } from "../call/path.ts";
import { signatureFor, signatureHeaderOf } from "../call/signature.ts";
import { typedValue } from "../secrets/typed-values.ts";
import { HttpMessageView } from "./http-message.tsx";
import { sampleInputFor } from "../templates/catalog.ts";
import type { KindFormProps } from "./kind-form.ts";

type HttpScript = Extract<ScriptDetail, { kind: "http" }>;

interface RequestDraft {
  method: HttpMethod;
  params: Record<string, string>;
  headers: [string, string][];
  body: string;
}

const storageKey = (id: string) => `iota.httpRequest.${id}`;

function initial(script: HttpScript): RequestDraft {
  const fresh: RequestDraft = {
    method: script.config.methods[0] ?? "POST",
    params: {},
    headers: [["content-type", "application/json"]],
    body: sampleInputFor(script.tags) ?? '{\n  "hello": "world"\n}\n',
  };
  try {
    const kept = JSON.parse(sessionStorage.getItem(storageKey(script.id)) ?? "null") as RequestDraft | null;
    // A method the endpoint no longer takes goes back to one it does.
    return kept ? { ...fresh, ...kept, method: script.config.methods.includes(kept.method) ? kept.method : fresh.method } : fresh;
  } catch {
    return fresh;
  }
}

/** The error message of an answer no script made (a refusal by the platform). */
const refusal = (answer: CallAnswer) => {
  try {
    return (JSON.parse(answer.body) as { error?: { message?: string } }).error?.message ?? answer.body;
  } catch {
    return answer.body;
  }
};

export function HttpRun(props: KindFormProps<HttpScript>) {
  const session = useSession();
  const c = () => props.script.config;
  const [req, setReq] = createSignal(initial(props.script));
  const [token, setToken] = createSignal("");
  const [secret, setSecret] = createSignal(c().hmacSecret ? (typedValue(c().hmacSecret!) ?? "") : "");
  const [answer, setAnswer] = createSignal<CallAnswer>();
  const update = (change: Partial<RequestDraft>) => {
    setReq({ ...req(), ...change });
    sessionStorage.setItem(storageKey(props.script.id), JSON.stringify(req()));
  };
  const path = () => fillPath(c().path, req().params);
  const hasBody = () => req().method !== "GET" && req().method !== "HEAD";
  const missing = () =>
    pathParams(c().path).find((p) => !req().params[p]?.trim())
      ? "Give every path parameter a value"
      : c().access === "token" && !token()
        ? "An API token is needed"
        : c().access === "hmac" && !secret()
          ? "The signing secret's value is needed"
          : undefined;

  const go = () => {
    if (props.busy || !props.canRun || missing()) return;
    const r = req();
    setAnswer(undefined);
    props.start(async () => {
      const body = hasBody() ? r.body : "";
      const headers: [string, string][] = r.headers.filter(([name]) => name.trim());
      if (c().access === "token") headers.push(["authorization", `Bearer ${token()}`]);
      if (c().access === "hmac") headers.push([signatureHeaderOf(c()), await signatureFor(c().hmacScheme ?? "sha256-hex", secret(), body)]);
      const got = await callEndpoint(endpointUrl(session.me().tenant.slug, path()), { method: r.method, headers, body });
      setAnswer(got);
      if (!got.executionId) throw new Error(`The platform answered ${got.status} before any script ran: ${refusal(got)}`);
      return api.execution(got.executionId);
    });
  };
  props.register(go);

  return (
    <>
      <div class="request-line">
        <select class="select" aria-label="Method" value={req().method} onChange={(e) => update({ method: e.currentTarget.value as HttpMethod })}>
          <For each={c().methods}>{(m) => <option value={m}>{m}</option>}</For>
        </select>
        <code class="request-path" title={path()}>
          {path()}
        </code>
      </div>
      <Show when={pathParams(c().path).length > 0}>
        <div class="call-form">
          <For each={pathParams(c().path)}>
            {(name) => (
              <label class="field">
                <span class="field-label mono">:{name}</span>
                <input
                  class="input mono"
                  aria-label={`Path parameter ${name}`}
                  value={req().params[name] ?? ""}
                  onInput={(e) => update({ params: { ...req().params, [name]: e.currentTarget.value } })}
                />
              </label>
            )}
          </For>
        </div>
      </Show>
      <div class="field">
        <span class="field-label">Headers</span>
        <Index each={req().headers}>
          {(h, i) => (
            <div class="tag-row">
              <input
                class="input mono"
                aria-label={`Header ${i + 1} name`}
                placeholder="x-request-id"
                value={h()[0]}
                onInput={(e) => update({ headers: req().headers.map((x, j) => (j === i ? [e.currentTarget.value, x[1]] : x)) })}
              />
              <input
                class="input mono"
                aria-label={`Header ${i + 1} value`}
                value={h()[1]}
                onInput={(e) => update({ headers: req().headers.map((x, j) => (j === i ? [x[0], e.currentTarget.value] : x)) })}
              />
              <button
                type="button"
                class="btn btn-ghost btn-small"
                aria-label={`Remove header ${i + 1}`}
                onClick={() => update({ headers: req().headers.filter((_, j) => j !== i) })}
              >
                <Icon name="x" />
              </button>
            </div>
          )}
        </Index>
        <button type="button" class="link-button add-tag" onClick={() => update({ headers: [...req().headers, ["", ""]] })}>
          + Add a header
        </button>
      </div>
      <Show when={hasBody()}>
        <label class="field">
          <span class="field-label">Body</span>
          <textarea
            class="input mono request-body"
            rows={6}
            spellcheck={false}
            aria-label="Request body"
            value={req().body}
            onInput={(e) => update({ body: e.currentTarget.value })}
          />
        </label>
      </Show>
      <Switch>
        <Match when={c().access === "token"}>
          <label class="field">
            <span class="field-label">API token (sent as Authorization: Bearer; kept in this tab only)</span>
            <input
              class="input mono"
              type="password"
              autocomplete="off"
              aria-label="API token"
              value={token()}
              onInput={(e) => setToken(e.currentTarget.value)}
            />
          </label>
        </Match>
        <Match when={c().access === "hmac"}>
          <label class="field">
            <span class="field-label">Value of {c().hmacSecret}, to sign the request (kept in this tab only)</span>
            <input
              class="input mono"
              type="password"
              autocomplete="off"
              aria-label="Signing secret value"
              value={secret()}
              onInput={(e) => setSecret(e.currentTarget.value)}
            />
            <span class="field-hint">
              Signed with {c().hmacScheme ?? "sha256-hex"} in the {signatureHeaderOf(c())} header when sent.
            </span>
          </label>
        </Match>
      </Switch>
      <div class="run-controls">
        <Show when={missing()}>
          <span class="field-hint">{missing()}</span>
        </Show>
        <span class="spacer" />
        <button type="button" class="btn btn-primary" onClick={go} disabled={props.busy || !props.canRun || !!missing()} title={`Send (${modKey}Enter)`}>
          <Icon name="play" /> {props.busy ? "Sending…" : `Send ${req().method}`}
        </button>
      </div>
      <Show when={answer()}>
        {(a) => (
          <section class="run-answer" aria-label="Response">
            <span class="field-label">
              Response <span class="muted">in {a().ms} ms</span>
            </span>
            <HttpMessageView message={a()} label="Response received" />
          </section>
        )}
      </Show>
    </>
  );
}
