// An HTTP request or response as the platform records it (status or method and URL, headers,
// body): the answer a test request got, and what an HTTP run's history keeps.
import { For, Show } from "solid-js";

export interface HttpMessage {
  status?: number;
  statusText?: string;
  method?: string;
  url?: string;
  headers: [string, string][];
  body: string | null;
  bodyEncoding?: "utf8" | "base64";
}

/** Indented when it is JSON, as it came otherwise. */
export function prettyBody(body: string | null): string {
  if (!body) return "";
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

/** Is this value a recorded request or response (history keeps them as JSON)? */
export function asHttpMessage(value: unknown): HttpMessage | undefined {
  if (!value || typeof value !== "object") return undefined;
  const v = value as Partial<HttpMessage>;
  if (!Array.isArray(v.headers) || !("body" in v) || (typeof v.status !== "number" && typeof v.method !== "string")) return undefined;
  return v as HttpMessage;
}

export function HttpMessageView(props: { message: HttpMessage; label: string }) {
  const m = () => props.message;
  const ok = () => (m().status ?? 200) < 400;
  return (
    <figure class="http-message labelled" aria-label={props.label}>
      <div class="http-line mono">
        <Show when={m().status !== undefined} fallback={`${m().method} ${m().url}`}>
          <span class="http-status" classList={{ "http-bad": !ok() }}>
            {m().status}
          </span>{" "}
          {m().statusText ?? ""}
        </Show>
      </div>
      <Show when={m().headers.length > 0}>
        <details class="http-headers">
          <summary>{m().headers.length} headers</summary>
          <table>
            <tbody>
              <For each={m().headers}>
                {([name, value]) => (
                  <tr>
                    <td class="mono">{name}</td>
                    <td class="mono">{value}</td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </details>
      </Show>
      <Show when={m().body} fallback={<p class="muted http-empty">No body.</p>}>
        <pre class="block http-body">{m().bodyEncoding === "base64" ? `(binary, base64) ${m().body}` : prettyBody(m().body)}</pre>
      </Show>
    </figure>
  );
}
