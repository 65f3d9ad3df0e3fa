// How the other kinds are called from outside: an embedded script through client/ or
// /api/invoke, an event script by publishing its event, a manual or scheduled one through the
// runs API. Tokens are left as $IOTA_TOKEN: a token is shown only once, when it is made.
import { createResource, For, Show } from "solid-js";
import type { ScriptDetail } from "../../../../protocol/api.ts";
import { api } from "../../api/endpoints.ts";
import { CodeBlock } from "../../ui/copy.tsx";
import { ready } from "../../ui/resource.ts";
import { Failure, Loading } from "../../ui/states.tsx";
import { curl } from "./curl.ts";

const bearer: [string, string] = ["authorization", "Bearer $IOTA_TOKEN"];
const json: [string, string] = ["content-type", "application/json"];

export function EmbeddedCall(props: { name: string }) {
  const client = () =>
    [
      `import { createIotaClient } from "iota-scripts/client";`,
      ``,
      `const iota = createIotaClient({ baseUrl: ${JSON.stringify(location.origin)}, token: process.env.IOTA_TOKEN });`,
      `const { value, executionId } = await iota.invoke(${JSON.stringify(props.name)}, { /* input */ });`,
    ].join("\n");
  return (
    <div class="call">
      <p class="field-hint">A platform service calls it with an API token of this tenant; the answer is the script's return value.</p>
      <CodeBlock code={client()} what="client call" label="From a service, with client/" />
      <CodeBlock
        code={curl({
          method: "POST",
          url: `${location.origin}/api/invoke/${encodeURIComponent(props.name)}`,
          headers: [json, bearer],
          body: "{}",
          expand: true,
        })}
        what="curl command"
      />
    </div>
  );
}

export function EventCall(props: { events: string[] }) {
  const type = () => props.events.find((e) => !e.includes("*")) ?? props.events[0]!.replace(/\*$/, "example");
  const event = () => ({ id: "evt-0001", type: type(), payload: {} });
  return (
    <div class="call">
      <p class="field-hint">
        Runs for every event of {props.events.join(", ")} published to this tenant, by a platform service, another script (ctx.events.publish) or the call
        below. An id seen before is delivered once.
      </p>
      <CodeBlock code={`await iota.publishEvent(${JSON.stringify(event())});`} what="client call" label="From a service, with client/" />
      <CodeBlock
        code={curl({ method: "POST", url: `${location.origin}/api/events`, headers: [json, bearer], body: JSON.stringify(event()), expand: true })}
        what="curl command"
      />
    </div>
  );
}

export function RunsCall(props: { id: string }) {
  return (
    <div class="call">
      <p class="field-hint">Anyone with the scripts.execute permission starts it through the management API (or presses Run here).</p>
      <CodeBlock
        code={curl({
          method: "POST",
          url: `${location.origin}/admin/api/scripts/${props.id}/runs`,
          headers: [json, bearer],
          body: JSON.stringify({ input: {}, mode: "async" }),
          expand: true,
        })}
        what="curl command"
      />
    </div>
  );
}

/** The server's own list of the next runs, in the script's zone, with DST changes marked. */
export function NextRuns(props: { script: Extract<ScriptDetail, { kind: "scheduled" }> }) {
  // The saved config, refetched when a save changes it.
  const [schedule, { refetch }] = createResource(
    () => `${props.script.config.cron}|${props.script.config.timezone}|${props.script.enabled}`,
    () => api.schedule(props.script.id),
  );
  return (
    <div class="call">
      <Show when={ready(schedule)} fallback={schedule.error ? <Failure error={schedule.error} retry={refetch} /> : <Loading />}>
        {(s) => (
          <>
            <Show when={!s().enabled}>
              <p class="notice">Disabled: these runs happen only once it is enabled.</p>
            </Show>
            <span class="field-label">
              Next runs of <span class="mono">{s().cron}</span> in {s().timezone}
            </span>
            <ol class="next-list">
              <For each={s().next}>
                {(run) => (
                  <li>
                    <time class="mono">{run.at.replace("T", " ")}</time>
                    <Show when={run.dstChange}>
                      <span class="badge status-timed_out">DST change</span>
                    </Show>
                  </li>
                )}
              </For>
            </ol>
          </>
        )}
      </Show>
      <RunsCall id={props.script.id} />
    </div>
  );
}
