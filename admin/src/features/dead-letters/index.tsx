// Event deliveries that failed every attempt: which event (id, type, payload), which script,
// why. Replay shows the event first and sends it again, as it was or with an edited payload.
import { A, useNavigate } from "@solidjs/router";
import { createResource, createSignal, Show } from "solid-js";
import type { DeadLetter } from "../../../../protocol/api.ts";
import { api } from "../../api/endpoints.ts";
import { useSession } from "../../session/index.tsx";
import { ago, when } from "../../ui/format.ts";
import { Icon } from "../../ui/icons.tsx";
import { ResourceTable } from "../../ui/resource-table.tsx";
import { Empty } from "../../ui/states.tsx";
import { ReplayDialog } from "./replay.tsx";
import "./dead-letters.css";

const preview = (l: DeadLetter) => (l.payload === null && l.payloadBytes > 4 ? `${Math.round(l.payloadBytes / 1024)} KB payload` : JSON.stringify(l.payload));

export function DeadLetters() {
  const session = useSession();
  const navigate = useNavigate();
  const [letters, { refetch }] = createResource(() => api.deadLetters().then((r) => r.items));
  const [replaying, setReplaying] = createSignal<DeadLetter>();

  return (
    <div class="page">
      <header class="page-head">
        <h1 class="page-title">Dead letters</h1>
        <span class="page-sub">Events whose script failed on every attempt</span>
      </header>
      <ResourceTable
        items={letters}
        retry={refetch}
        feature="Dead letters"
        empty={
          <Empty icon="inbox" title="No dead letters">
            Every event was handled. Events that fail all their attempts wait here for a replay.
          </Empty>
        }
        head={
          <>
            <th>Event</th>
            <th>Script</th>
            <th class="num">Attempts</th>
            <th>Last error</th>
            <th>Failed</th>
            <th />
          </>
        }
      >
        {(l) => (
          <tr>
            <td>
              <span class="mono cell-title">{l.eventType ?? "—"}</span>
              <div class="cell-sub mono" title={`event id ${l.eventId}`}>
                {l.eventId}
              </div>
              <span class="payload-preview" title={preview(l)}>
                {preview(l)}
              </span>
            </td>
            <td>
              <A href={`/scripts/${l.scriptId}`} class="mono">
                {l.scriptName ?? l.scriptId}
              </A>
            </td>
            <td class="num">{l.attempts}</td>
            <td class="cell-sub" title={l.errorMessage ?? ""}>
              <A href={`/history/${l.executionId}`}>
                {l.errorCode ? <span class="mono">{l.errorCode}</span> : null} {l.errorMessage ?? "See the last attempt"}
              </A>
            </td>
            <td title={when(l.createdAt)} class="nowrap">
              {ago(l.createdAt)}
            </td>
            <td class="num">
              <Show
                when={!l.replayedAt}
                fallback={
                  <Show when={l.replayExecutionId} fallback={<span class="muted">replayed {ago(l.replayedAt)}</span>}>
                    <A href={`/history/${l.replayExecutionId}`} class="muted">
                      replayed {ago(l.replayedAt)}
                    </A>
                  </Show>
                }
              >
                <Show when={session.can("scripts.execute")}>
                  <button type="button" class="btn btn-small" onClick={() => setReplaying(l)} aria-label={`Replay ${l.eventId}`}>
                    <Icon name="refresh" /> Replay…
                  </button>
                </Show>
              </Show>
            </td>
          </tr>
        )}
      </ResourceTable>
      <Show when={replaying()} keyed>
        {(letter) => (
          <ReplayDialog
            letter={letter}
            onClose={() => setReplaying(undefined)}
            onReplayed={(executionId) => {
              setReplaying(undefined);
              refetch();
              navigate(`/history/${executionId}`);
            }}
          />
        )}
      </Show>
    </div>
  );
}
