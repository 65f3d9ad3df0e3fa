// An event script tried with a test event: published into the tenant's intake like any other
// (with a fresh id, so it is never taken for a repeat), then its delivery to this script is
// followed live. Other scripts subscribed to the type get it too, as they would in production.
import { createSignal, For } from "solid-js";
import type { ScriptDetail } from "../../../../protocol/api.ts";
import { api, type RunAnswer } from "../../api/endpoints.ts";
import { publishEvent } from "../../api/public.ts";
import { modKey } from "../../ui/format.ts";
import { Icon } from "../../ui/icons.tsx";
import { JsonInput, parseInput } from "./json-input.tsx";
import { sampleInputFor } from "../templates/catalog.ts";
import type { KindFormProps } from "./kind-form.ts";

type EventScript = Extract<ScriptDetail, { kind: "event" }>;

const newId = () => `test-${crypto.randomUUID().slice(0, 13)}`;
/** A concrete type for a pattern: `payment.*` offers `payment.test`. */
const concrete = (pattern: string) => (pattern === "*" ? "test.event" : pattern.replace(/\*$/, "test"));

/** The delivery of that event to this script: the newest event run that was not there before. */
async function deliveryOf(scriptId: string, before: string | undefined): Promise<RunAnswer> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const newest = (await api.executions({ scriptId, trigger: "event", limit: 1 })).items[0];
    if (newest && newest.id !== before) return { id: newest.id, status: newest.status === "running" ? "running" : "queued" };
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  throw new Error("The event was accepted but no delivery to this script appeared within 15 s; look in History.");
}

export function EventRun(props: KindFormProps<EventScript>) {
  const types = () => props.script.config.events.map(concrete);
  const [type, setType] = createSignal(types()[0] ?? "");
  const [id, setId] = createSignal(newId());
  const payloadKey = `iota.eventPayload.${props.script.id}`;
  const [payload, setText] = createSignal(sessionStorage.getItem(payloadKey) ?? sampleInputFor(props.script.tags) ?? '{\n  "example": true\n}\n');
  const setPayload = (text: string) => {
    setText(text);
    sessionStorage.setItem(payloadKey, text);
  };
  const parsed = () => parseInput(payload());

  const go = () => {
    if (props.busy || !props.canRun || parsed().error || !type()) return;
    const event = { id: id(), type: type(), payload: parsed().value };
    props.start(async () => {
      const before = (await api.executions({ scriptId: props.script.id, trigger: "event", limit: 1 })).items[0]?.id;
      const accepted = await publishEvent(event);
      // The next test is a new event, not a repeat of this one.
      setId(newId());
      if (accepted.duplicate) throw new Error(`The id ${event.id} was published before: nothing was delivered again.`);
      if (accepted.deliveries === 0) throw new Error(`No enabled script subscribes to ${event.type}: is this script enabled?`);
      return deliveryOf(props.script.id, before);
    });
  };
  props.register(go);

  return (
    <>
      <div class="call-form">
        <label class="field">
          <span class="field-label">Event type</span>
          <input class="input mono" list={`types-${props.script.id}`} value={type()} onInput={(e) => setType(e.currentTarget.value.trim())} />
          <datalist id={`types-${props.script.id}`}>
            <For each={types()}>{(t) => <option value={t} />}</For>
          </datalist>
        </label>
        <label class="field">
          <span class="field-label">Event id</span>
          <input class="input mono" value={id()} onInput={(e) => setId(e.currentTarget.value)} />
        </label>
      </div>
      <JsonInput label="Payload (JSON)" value={payload()} path={`payloads/${props.script.id}.json`} onChange={setPayload} />
      <p class="field-hint">
        The script gets <code>{"{ id, type, payload, occurredAt }"}</code>. A failed delivery is retried up to {props.script.config.maxAttempts} times, then
        dead-lettered.
      </p>
      <div class="run-controls">
        <span class="spacer" />
        <button
          type="button"
          class="btn btn-primary"
          onClick={go}
          disabled={props.busy || !props.canRun || !!parsed().error || !type()}
          title={`Send (${modKey}Enter)`}
        >
          <Icon name="play" /> {props.busy ? "Delivering…" : "Send test event"}
        </button>
      </div>
    </>
  );
}
