// Cancel a queued or running execution: asked first, then the API stops it (a queued one at
// once; a running one after its signal's cleanup grace) and answers the record as it ended.
import type { ExecutionDetail } from "../../../../protocol/api.ts";
import { ApiError } from "../../api/client.ts";
import { api } from "../../api/endpoints.ts";
import { useUi } from "../../ui/feedback.tsx";
import { Icon } from "../../ui/icons.tsx";

export function CancelButton(props: {
  id: string;
  status: string;
  script?: string | null;
  small?: boolean;
  onDone?: (execution: ExecutionDetail | undefined) => void;
}) {
  const ui = useUi();
  const cancel = async () => {
    const ok = await ui.confirm({
      title: `Cancel this ${props.status} run${props.script ? ` of ${props.script}` : ""}?`,
      body:
        props.status === "queued"
          ? "It never starts."
          : "Its ctx.signal aborts; after a second to clean up it is stopped. Its logs so far are kept. An event delivery is not retried.",
      confirmLabel: "Cancel the run",
      cancelLabel: "Keep it",
      danger: true,
    });
    if (!ok) return;
    try {
      const ended = await api.cancel(props.id);
      ui.toast(`Cancelled: ${ended.error?.message ?? ended.status}`);
      props.onDone?.(ended);
    } catch (e) {
      // It finished meanwhile: the screen shows how.
      if (e instanceof ApiError && e.status === 409) ui.toast(`Not cancelled: ${e.message}`, "info");
      else ui.toast(`Not cancelled: ${(e as Error).message}`, "error");
      props.onDone?.(undefined);
    }
  };
  return (
    <button type="button" class={`btn ${props.small ? "btn-small" : ""} btn-cancel`} onClick={() => void cancel()} aria-label={`Cancel execution ${props.id}`}>
      <Icon name="x" /> Cancel
    </button>
  );
}
