// The error message of each failed run in a list. The list API answers only the error code, so
// the message comes from each execution's record, read a few at a time and kept: a finished
// execution's error never changes. (An `errorMessage` in the list's answer would replace this.)
import { createEffect, createSignal, on } from "solid-js";
import type { ExecutionSummary } from "../../../../protocol/api.ts";
import { api } from "../../api/endpoints.ts";

const known = new Map<string, string>();
const atOnce = 4;

export function useErrorMessages(items: () => ExecutionSummary[] | undefined): (id: string) => string | undefined {
  const [version, setVersion] = createSignal(0);
  createEffect(
    on(items, (list) => {
      const wanted = (list ?? []).filter((e) => e.errorCode && e.status !== "queued" && e.status !== "running" && !known.has(e.id));
      let next = 0;
      const worker = async () => {
        while (next < wanted.length) {
          const e = wanted[next++]!;
          try {
            const detail = await api.execution(e.id);
            if (detail.error) known.set(e.id, detail.error.message);
            setVersion((v) => v + 1);
          } catch {
            // The code stays on show; the page has the rest.
          }
        }
      };
      for (let i = 0; i < Math.min(atOnce, wanted.length); i++) void worker();
    }),
  );
  return (id) => {
    version();
    return known.get(id);
  };
}
