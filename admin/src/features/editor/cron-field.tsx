// The schedule editor: the cron expression explained field by field as you type, and the next
// five runs in the script's time zone from the server (which knows about daylight saving).
import { createResource, createSignal, For, Show, createEffect, onCleanup } from "solid-js";
import { ApiError } from "../../api/client.ts";
import { api } from "../../api/endpoints.ts";
import { ready } from "../../ui/resource.ts";
import { explainCron } from "./cron.ts";

function formatIn(zone: string, iso: string): string {
  try {
    return new Intl.DateTimeFormat(undefined, { timeZone: zone, weekday: "short", year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" }).format(new Date(iso));
  } catch {
    return iso;
  }
}

export function CronPreview(props: { cron: string; timezone: string; onServerError: (field: string | undefined, message: string | undefined) => void }) {
  const explanation = () => explainCron(props.cron);
  // Ask the server a moment after typing stops, and only for expressions that read well.
  const [query, setQuery] = createSignal<{ cron: string; timezone: string }>();
  createEffect(() => {
    const next = { cron: props.cron.trim(), timezone: props.timezone.trim() };
    const ok = !explanation().error && next.timezone;
    const timer = setTimeout(() => setQuery(ok ? next : undefined), 300);
    onCleanup(() => clearTimeout(timer));
  });
  let controller: AbortController | undefined;
  const [preview] = createResource(query, async (q) => {
    controller?.abort();
    controller = new AbortController();
    try {
      const result = await api.schedulePreview(q.cron, q.timezone, controller.signal);
      props.onServerError(undefined, undefined);
      return { next: result.next, unavailable: false };
    } catch (e) {
      if (e instanceof ApiError && e.routeMissing) return { next: [], unavailable: true };
      if (e instanceof ApiError && e.status === 422) {
        props.onServerError(e.field, e.message);
        return { next: [], unavailable: false, error: e.message };
      }
      throw e;
    }
  });

  return (
    <div class="cron-preview">
      <Show when={explanation().summary}>
        <p class="cron-summary">{explanation().summary}</p>
      </Show>
      <Show when={explanation().fields.length > 0}>
        <table class="cron-fields">
          <tbody>
            <For each={explanation().fields}>
              {(f) => (
                <tr classList={{ "cron-bad": !!f.error }}>
                  <td class="mono">{f.value}</td>
                  <td class="muted">{f.name}</td>
                  <td>{f.error ?? f.meaning}</td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </Show>
      <Show when={explanation().fields.length === 0 && explanation().error}>
        <p class="field-error">{explanation().error}</p>
      </Show>
      <Show when={!explanation().error}>
        <div class="next-runs">
          <span class="field-label">Next five runs</span>
          <Show when={ready(preview) || preview.error} fallback={<span class="muted">Working them out…</span>}>
            <Show when={!preview.error} fallback={<span class="muted">Could not get the next runs: {(preview.error as Error).message}</span>}>
              <Show when={!ready(preview)?.unavailable} fallback={<span class="muted">The preview is not available on this server.</span>}>
                <ol>
                  <For each={ready(preview)?.next.slice(0, 5)}>
                    {(n) => (
                      <li>
                        {formatIn(props.timezone, n.at)}
                        <Show when={n.dstChange}>
                          <span class="badge status-timed_out" title="The clocks change around this run">
                            DST change
                          </span>
                        </Show>
                      </li>
                    )}
                  </For>
                </ol>
              </Show>
            </Show>
          </Show>
        </div>
      </Show>
    </div>
  );
}
