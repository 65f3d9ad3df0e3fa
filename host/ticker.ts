// Open-source workerd fires no timers of its own accord: the host calls the dispatcher's tick
// once a second, just after the second turns, which claims due schedule slots and starts
// waiting executions whose slot or retry time has come.
import type { HostLog } from "./log.ts";

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

  function schedule(): void {
    if (stopped) return;
    // Aligned to the wall clock, so a slot at hh:mm:00 is claimed at hh:mm:00.02; a slow tick
    // is never overlapped by the next, which waits for it.
    const delay = everyMs - (Date.now() % everyMs) + 20;
    timer = setTimeout(() => void tick().finally(schedule), delay);
  }
  schedule();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
