// The latest execution of each script, for the list. One page of recent history covers most
// scripts; those not in it are asked for one by one (when history is longer than that page).
import { createResource, type Resource } from "solid-js";
import type { ExecutionSummary, ScriptSummary } from "../../../../protocol/api.ts";
import { api } from "../../api/endpoints.ts";

const recentPage = 200;
const parallel = 6;

export function useLastRuns(scripts: () => ScriptSummary[] | undefined, enabled: () => boolean): Resource<Map<string, ExecutionSummary | null>> {
  // Keyed by the ids shown, so flipping a script's switch does not ask again.
  const [lastRuns] = createResource(
    () =>
      enabled()
        ? scripts()
            ?.map((s) => s.id)
            .join(" ")
        : undefined,
    async (ids) => {
      const list = ids ? ids.split(" ") : [];
      const found = new Map<string, ExecutionSummary | null>();
      const recent = await api.executions({ limit: recentPage });
      for (const e of recent.items) if (!found.has(e.scriptId)) found.set(e.scriptId, e);
      const missing = list.filter((id) => !found.has(id));
      if (recent.nextCursor === null) {
        for (const id of missing) found.set(id, null);
        return found;
      }
      for (let i = 0; i < missing.length; i += parallel) {
        await Promise.all(
          missing.slice(i, i + parallel).map(async (id) => {
            const page = await api.executions({ scriptId: id, limit: 1 });
            found.set(id, page.items[0] ?? null);
          }),
        );
      }
      return found;
    },
  );
  return lastRuns;
}
