// How a cancelled run is recorded, by either build's runner: once a cancel was taken, the run
// ends cancelled (keeping its logs), naming who cancelled it, even if it finished in the same
// moment.
import type { RunResult } from "../../protocol/run.ts";

/** `by`: who cancelled it, as the record names them; undefined when nobody did. */
export function asCancelled(result: RunResult, by: string | undefined): RunResult {
  if (by === undefined) return result;
  const { output, response, ...kept } = result;
  // A streamed answer was under way: its record still says how far it got.
  const sent = response?.streamed ? { output, response } : {};
  return { ...kept, ...sent, status: "cancelled", error: { code: "CANCELLED", message: `cancelled by ${by} while it ran` } };
}
