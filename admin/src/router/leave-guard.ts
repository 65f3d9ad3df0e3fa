// Unsaved work is never dropped by a click, the back button, or closing the tab. A screen says
// what leaving would lose (useLeaveGuard); @solidjs/router's useBeforeLeave stops the
// navigation, we ask, and on "Discard changes" the same navigation goes ahead. Actions that
// leave without a link (sign out, switching tenant) ask first through useConfirmLeave.
import { useBeforeLeave, type BeforeLeaveEventArgs } from "@solidjs/router";
import { onCleanup } from "solid-js";
import { useUi } from "../ui/feedback.tsx";

interface Guard {
  /** Why the user should stay (unsaved work), or undefined when leaving loses nothing. */
  reason: () => string | undefined;
  /** Runs when the user chooses to leave anyway. */
  discard?: () => void;
}

// The guards of the screens on show. One admin per page, so one set for the page.
const guards = new Set<Guard>();

const blocking = (): string | undefined => {
  for (const g of guards) {
    const reason = g.reason();
    if (reason) return reason;
  }
  return undefined;
};

/** Asks whether to leave when some screen would lose work; true when leaving may go ahead. */
export function useConfirmLeave(): () => Promise<boolean> {
  const ui = useUi();
  return async () => {
    const reason = blocking();
    if (
      reason &&
      !(await ui.confirm({ title: "Leave without saving?", body: reason, confirmLabel: "Discard changes", cancelLabel: "Keep editing", danger: true }))
    )
      return false;
    for (const g of guards) if (g.reason()) g.discard?.();
    guards.clear();
    return true;
  };
}

/** Only the query changes (a filter, a tab): the screen and its work stay. */
const samePage = (e: BeforeLeaveEventArgs) => typeof e.to === "string" && new URL(e.to, location.origin).pathname === e.from.pathname;

/** Keeps the user on this screen, after asking, while `reason` names what leaving would lose. */
export function useLeaveGuard(reason: Guard["reason"], discard?: Guard["discard"]): void {
  const confirmLeave = useConfirmLeave();
  const guard: Guard = { reason, discard };
  guards.add(guard);
  onCleanup(() => guards.delete(guard));

  // Links, navigate() and back/forward (the router puts the address back while we ask).
  useBeforeLeave((e) => {
    if (e.defaultPrevented || !guards.has(guard) || samePage(e) || !reason()) return;
    e.preventDefault();
    void confirmLeave().then((leave) => leave && e.retry(true));
  });

  // Closing the tab or reloading: the browser asks, in its own words.
  const onUnload = (e: BeforeUnloadEvent) => {
    if (guards.has(guard) && reason()) e.preventDefault();
  };
  window.addEventListener("beforeunload", onUnload);
  onCleanup(() => window.removeEventListener("beforeunload", onUnload));
}
