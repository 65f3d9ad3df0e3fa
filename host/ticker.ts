// Open-source workerd fires no timers of its own accord: the host calls the dispatcher's tick
// once a second, which starts waiting executions whose slot or retry time has come.
import type { HostLog } from "./log.ts";

export function startTicker(url: string, secret: string, log: HostLog, everyMs = 1000): () => void {
  let busy = false;
  let failing = false;
  const timer = setInterval(async () => {
    if (busy) return; // a slow tick is never overlapped by the next
    busy = true;
    try {
      const response = await fetch(url, { method: "POST", headers: { "x-iota-host-secret": secret }, signal: AbortSignal.timeout(30_000) });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      if (failing) log.info("tick.recovered");
      failing = false;
    } catch (error) {
      if (!failing) log.warn("tick.failed", { error: (error as Error).message });
      failing = true;
    } finally {
      busy = false;
    }
  }, everyMs);
  return () => clearInterval(timer);
}
