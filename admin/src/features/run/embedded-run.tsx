// An embedded script tried as a platform service calls it: POST /api/invoke with the input,
// answered with its return value, as the signed-in user instead of a service's token.
import { createSignal } from "solid-js";
import type { ScriptDetail } from "../../../../protocol/api.ts";
import { api } from "../../api/endpoints.ts";
import { invoke } from "../../api/public.ts";
import { modKey } from "../../ui/format.ts";
import { Icon } from "../../ui/icons.tsx";
import { JsonInput, parseInput } from "./json-input.tsx";
import { sampleInputFor } from "../templates/catalog.ts";
import type { KindFormProps } from "./kind-form.ts";

type EmbeddedScript = Extract<ScriptDetail, { kind: "embedded" }>;

export function EmbeddedRun(props: KindFormProps<EmbeddedScript>) {
  const key = `iota.runInput.${props.script.id}`;
  const [input, setText] = createSignal(sessionStorage.getItem(key) ?? sampleInputFor(props.script.tags) ?? "{\n  \n}\n");
  const setInput = (text: string) => {
    setText(text);
    sessionStorage.setItem(key, text);
  };
  const parsed = () => parseInput(input());

  const go = () => {
    if (props.busy || !props.canRun || parsed().error) return;
    props.start(async () => {
      // By id: the name may change, the id does not.
      const answer = await invoke(props.script.id, parsed().value);
      if (!answer.executionId) {
        let message = answer.body;
        try {
          message = (JSON.parse(answer.body) as { error: { message: string } }).error.message;
        } catch {
          // not the API's error shape: show the body as it came
        }
        throw new Error(`The call was refused (${answer.status}): ${message}`);
      }
      return api.execution(answer.executionId);
    });
  };
  props.register(go);

  return (
    <>
      <JsonInput label="Input (JSON)" value={input()} path={`inputs/${props.script.id}.json`} onChange={setInput} />
      <div class="run-controls">
        <span class="muted run-how">Through /api/invoke, as a service calls it</span>
        <span class="spacer" />
        <button type="button" class="btn btn-primary" onClick={go} disabled={props.busy || !props.canRun || !!parsed().error} title={`Call (${modKey}Enter)`}>
          <Icon name="play" /> {props.busy ? "Calling…" : `Call v${props.script.version}`}
        </button>
      </div>
    </>
  );
}
