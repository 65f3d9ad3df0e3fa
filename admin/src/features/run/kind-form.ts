// What every kind's Run form gets from the panel: the saved script, whether the user may run
// it, a way to start a run the panel follows, and a hook for Ctrl/⌘+Enter.
import type { ScriptDetail } from "../../../../protocol/api.ts";
import type { RunAnswer } from "../../api/endpoints.ts";

export interface KindFormProps<S extends ScriptDetail = ScriptDetail> {
  script: S;
  canRun: boolean;
  busy: boolean;
  start: (call: () => Promise<RunAnswer>) => void;
  /** The panel calls this for Ctrl/⌘+Enter. */
  register: (go: () => void) => void;
}
