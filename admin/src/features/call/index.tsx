// "How to call it", per kind, for a saved script: what its callers send, ready to copy.
import { Match, Switch } from "solid-js";
import type { ScriptDetail } from "../../../../protocol/api.ts";
import { useSession } from "../../session/index.tsx";
import { HttpCall } from "./http-call.tsx";
import { EmbeddedCall, EventCall, NextRuns, RunsCall } from "./snippets.tsx";
import "./call.css";

export type ScriptOfKind<K extends ScriptDetail["kind"]> = Extract<ScriptDetail, { kind: K }>;

/** The script when it is of that kind, for `<Match when>`. */
export const ofKind = <K extends ScriptDetail["kind"]>(script: ScriptDetail, kind: K): ScriptOfKind<K> | undefined =>
  script.kind === kind ? (script as ScriptOfKind<K>) : undefined;

export function CallIt(props: { script: ScriptDetail }) {
  const session = useSession();
  return (
    <Switch>
      <Match when={ofKind(props.script, "http")}>{(s) => <HttpCall config={s().config} tenant={session.me().tenant.slug} />}</Match>
      <Match when={ofKind(props.script, "embedded")}>{(s) => <EmbeddedCall name={s().name} />}</Match>
      <Match when={ofKind(props.script, "event")}>{(s) => <EventCall events={s().config.events} />}</Match>
      <Match when={ofKind(props.script, "scheduled")}>{(s) => <NextRuns script={s()} />}</Match>
      <Match when={ofKind(props.script, "manual")}>{(s) => <RunsCall id={s().id} />}</Match>
    </Switch>
  );
}
