// Open-source workerd fires no timers of its own accord: the host calls the dispatcher's tick
// once a second, right after the second turns, which claims due schedule slots and starts
// waiting executions whose slot or retry time has come.
import type { HostLog } from "./log.ts";

/**
 * How long after the second's turn a tick is sent: its requests land after the turn. Node's
 * timers run on the monotonic clock and may fire a little before the wall clock's turn; such a
 * tick waits out the rest rather than go early (a minute's slot would then wait a whole second).
 */
const afterTurnMs = 2;

export function startTicker(url: string, secret: string, log: HostLog, everyMs = 1000): () => void {
  let stopped = false;
  let failing = false;
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function tick(): Promise<void> {
    try {
      const response = await fetch(url, { method: "POST", headers: { "x-iota-host-secret": secret }, signal: AbortSignal.timeout(30_000) });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      if (failing) log.info("tick.recovered");
      failing = false;
    } catch (error) {
      if (!failing) log.warn("tick.failed", { error: (error as Error).message });
      failing = true;
    }
  }

  /** The turn the next tick is for; a tick still running when it comes is followed at once. */
  let due = Math.floor(Date.now() / everyMs) * everyMs + everyMs;

  function fire(): void {
    if (stopped) return;
    const now = Date.now();
    if (now < due) {
      timer = setTimeout(fire, due - now + afterTurnMs);
      return;
    }
    // A slow tick is never overlapped by the next: the next is sent when it ends, at once if
    // a turn passed meanwhile (a minute's slots must not wait for the second after), and the
    // turns it spanned are not made up one by one.
    due = Math.floor(now / everyMs) * everyMs + everyMs;
    void tick().finally(() => {
      if (stopped) return;
      const wait = Date.now() >= due ? 0 : due - Date.now() + afterTurnMs;
      timer = setTimeout(fire, wait);
    });
  }
  timer = setTimeout(fire, due - Date.now() + afterTurnMs);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
