// Event deliveries that failed every attempt. Replay sends one through its script again.
import { A } from "@solidjs/router";
import { createResource, Show } from "solid-js";
import { api } from "../../api/endpoints.ts";
import { useSession } from "../../session/index.tsx";
import { useUi } from "../../ui/feedback.tsx";
import { ago, when } from "../../ui/format.ts";
import { Icon } from "../../ui/icons.tsx";
import { ResourceTable } from "../../ui/resource-table.tsx";
import { Empty } from "../../ui/states.tsx";

export function DeadLetters() {
  const session = useSession();
  const ui = useUi();
  const [letters, { refetch }] = createResource(() => api.deadLetters().then((r) => r.items));

  const replay = async (id: string, script: string) => {
    try {
      await api.replayDeadLetter(id);
      ui.toast(`Replayed: a new delivery to ${script} started`);
      refetch();
    } catch (e) {
      ui.toast(`Not replayed: ${(e as Error).message}`, "error");
    }
  };

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
            <td class="mono" title={`event ${l.eventId}`}>{l.eventType ?? l.eventId}</td>
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
            <td title={when(l.createdAt)} class="nowrap">{ago(l.createdAt)}</td>
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
                  <button type="button" class="btn btn-small" onClick={() => void replay(l.id, l.scriptName ?? l.scriptId)}>
                    <Icon name="refresh" /> Replay
                  </button>
                </Show>
              </Show>
            </td>
          </tr>
        )}
      </ResourceTable>
    </div>
  );
}
