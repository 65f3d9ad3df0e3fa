// Replaying a dead letter: its event (id, type, time) and payload shown first, the payload
// editable, then sent again to the script as it was or as edited.
import { createResource, createSignal, Show } from "solid-js";
import type { DeadLetter } from "../../../../protocol/api.ts";
import { api } from "../../api/endpoints.ts";
import { CodeEditor } from "../../monaco/code-editor.tsx";
import { useUi } from "../../ui/feedback.tsx";
import { json, when } from "../../ui/format.ts";
import { Icon } from "../../ui/icons.tsx";
import { Modal } from "../../ui/modal.tsx";
import { ready } from "../../ui/resource.ts";
import { Failure, Loading } from "../../ui/states.tsx";
import { parseInput } from "../run/json-input.tsx";

export function ReplayDialog(props: { letter: DeadLetter; onClose: () => void; onReplayed: (executionId: string) => void }) {
  const ui = useUi();
  // The list leaves out payloads over 64 KB: read this one whole.
  const [letter] = createResource(() =>
    props.letter.payload === null && props.letter.payloadBytes > 4 ? api.deadLetter(props.letter.id) : Promise.resolve(props.letter),
  );
  return (
    <Modal title={`Replay ${props.letter.eventType ?? "the event"} to ${props.letter.scriptName ?? "its script"}`} onClose={props.onClose} wide>
      <Show when={ready(letter)} fallback={letter.error ? <Failure error={letter.error} /> : <Loading />}>
        {(l) => <ReplayForm letter={l()} onClose={props.onClose} onReplayed={props.onReplayed} toast={ui.toast} />}
      </Show>
    </Modal>
  );
}

function ReplayForm(props: {
  letter: DeadLetter;
  onClose: () => void;
  onReplayed: (executionId: string) => void;
  toast: (m: string, k?: "success" | "error" | "info") => void;
}) {
  const original = json(props.letter.payload ?? null);
  const [text, setText] = createSignal(original);
  const [busy, setBusy] = createSignal(false);
  const parsed = () => parseInput(text());
  const edited = () => !parsed().error && JSON.stringify(parsed().value) !== JSON.stringify(props.letter.payload ?? null);

  const send = async () => {
    if (parsed().error) return;
    setBusy(true);
    try {
      const answer = await api.replayDeadLetter(props.letter.id, edited() ? { payload: parsed().value } : {});
      props.toast(`Replayed${answer.edited ? " with the edited payload" : ""}: a new delivery is ${answer.status}`);
      props.onReplayed(answer.executionId);
    } catch (e) {
      props.toast(`Not replayed: ${(e as Error).message}`, "error");
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <dl class="facts">
        <dt>Event id</dt>
        <dd class="mono">{props.letter.eventId}</dd>
        <dt>Type</dt>
        <dd class="mono">{props.letter.eventType ?? "—"}</dd>
        <dt>Occurred</dt>
        <dd>{when(props.letter.occurredAt)}</dd>
        <dt>Last error</dt>
        <dd>
          {props.letter.errorCode ? <span class="mono">{props.letter.errorCode}: </span> : null}
          {props.letter.errorMessage ?? "—"}
        </dd>
      </dl>
      <div class="field">
        <span class="field-label">Payload (JSON): edit it to replay a corrected event</span>
        <div class="replay-input">
          <CodeEditor
            value={text()}
            language="json"
            path={`replays/${props.letter.id}.json`}
            label="Replay payload, JSON"
            onChange={setText}
            options={{ lineNumbers: "off", folding: false, lineDecorationsWidth: 8 }}
          />
        </div>
        <Show when={parsed().error}>
          <span class="field-error">{parsed().error}</span>
        </Show>
      </div>
      <div class="modal-actions">
        <Show when={edited()}>
          <button type="button" class="link-button" onClick={() => setText(original)}>
            Undo my edits
          </button>
        </Show>
        <span class="spacer" />
        <button type="button" class="btn" onClick={props.onClose}>
          Close
        </button>
        <button type="button" class="btn btn-primary" disabled={busy() || !!parsed().error} onClick={() => void send()}>
          <Icon name="refresh" /> {busy() ? "Replaying…" : edited() ? "Replay edited" : "Replay as it was"}
        </button>
      </div>
    </>
  );
}
