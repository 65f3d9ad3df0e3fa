// The schedule editor: the cron expression explained field by field as you type, and its next
// five runs in the script's time zone. Both come from protocol/cron, the module the dispatcher
// schedules with, so what the editor shows is what the server will do, DST changes included.
import { createEffect, createMemo, For, Show } from "solid-js";
import { isKnownZone, upcoming } from "../../../../protocol/cron/index.ts";
import { explainCron } from "../../../../protocol/cron/explain.ts";

function formatIn(zone: string, iso: string): string {
  try {
    return new Intl.DateTimeFormat(undefined, {
      timeZone: zone,
      weekday: "short",
      year: "numeric",
      month: "short",
      day: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      timeZoneName: "short",
    }).format(new Date(iso));
  } catch {
    return iso;
  }
}

export function CronPreview(props: { cron: string; timezone: string; onServerError: (field: string | undefined, message: string | undefined) => void }) {
  const explanation = createMemo(() => explainCron(props.cron));
  // An empty zone is UTC, as on the server.
  const zone = () => props.timezone.trim() || "UTC";
  const zoneError = () => (isKnownZone(zone()) ? undefined : `"${zone()}" is not a time zone this browser knows (like "Europe/Berlin")`);
  // The form shows a zone this browser does not know at the Time zone field.
  createEffect(() => props.onServerError(zoneError() ? "timezone" : undefined, zoneError()));
  const next = createMemo(() => (explanation().error || zoneError() ? [] : upcoming(props.cron, zone(), Date.now(), 5)));
  // A field-by-field table marks the field at fault; an error about the whole shows on its own.
  const wholeError = () => (explanation().fields.some((f) => f.error) ? undefined : explanation().error);

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
      <Show when={wholeError()}>
        <p class="field-error">{wholeError()}</p>
      </Show>
      <Show when={next().length > 0}>
        <div class="next-runs">
          <span class="field-label">Next five runs</span>
          <ol>
            <For each={next()}>
              {(n) => (
                <li>
                  {formatIn(zone(), n.at)}
                  <Show when={n.dstChange}>
                    <span class="badge status-timed_out" title="The clocks change around this run">
                      DST change
                    </span>
                  </Show>
                </li>
              )}
            </For>
          </ol>
        </div>
      </Show>
    </div>
  );
}
