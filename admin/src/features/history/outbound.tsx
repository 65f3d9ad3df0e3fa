// The requests a run made through the egress policy, as the proxy recorded them: what it
// called, what came back, how big and how long, and why the policy refused one.
import { For, Show } from "solid-js";
import type { ExecutionDetail } from "../../../../protocol/api.ts";
import { duration } from "../../ui/format.ts";

type Outbound = ExecutionDetail["outbound"][number];

const size = (bytes: number) =>
  bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;

export function OutboundRequests(props: { requests: Outbound[] }) {
  return (
    <Show when={props.requests.length > 0} fallback={<p class="muted outbound-none">It made no outbound requests.</p>}>
      <div class="table-wrap">
        <table class="table outbound" aria-label="Outbound requests">
          <thead>
            <tr>
              <th>Method</th>
              <th>Host</th>
              <th>Status</th>
              <th class="num">Bytes</th>
              <th class="num">Time</th>
            </tr>
          </thead>
          <tbody>
            <For each={props.requests}>
              {(r) => (
                <tr classList={{ "outbound-refused": !!r.refused }}>
                  <td class="mono">{r.method}</td>
                  <td class="mono" title={r.url}>
                    {r.host}
                    <div class="cell-sub">{r.url}</div>
                  </td>
                  <td>
                    <Show
                      when={!r.refused}
                      fallback={
                        <span class="badge status-failed" title={r.refused}>
                          refused: {r.refused}
                        </span>
                      }
                    >
                      <span class="mono" classList={{ "outbound-bad": r.status === null || r.status >= 400 }}>
                        {r.status ?? "no answer"}
                      </span>
                    </Show>
                  </td>
                  <td class="num">{size(r.bytes)}</td>
                  <td class="num">{duration(r.ms)}</td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
      </div>
    </Show>
  );
}
