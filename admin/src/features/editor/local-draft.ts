// Unsaved edits kept in this tab's sessionStorage as you type, so a reload, an expired session
// or a crash does not lose them. They belong to the version they were made on.
import { completeDraft, startingPointKey, type Draft } from "./draft.ts";

interface Stored {
  version: number;
  code: string;
  draft: Draft;
}

// A new script's edits belong to the template it started from: choosing another starts afresh.
const key = (scriptId: string | undefined) => `iota.draft.${scriptId ?? `new.${startingPointKey()}`}`;

export function loadDraft(scriptId: string | undefined, version: number): Stored | undefined {
  try {
    const stored = JSON.parse(sessionStorage.getItem(key(scriptId)) ?? "null") as Stored | null;
    return stored && stored.version === version ? { ...stored, draft: completeDraft(stored.draft) } : undefined;
  } catch {
    return undefined;
  }
}

export function storeDraft(scriptId: string | undefined, value: Stored): void {
  try {
    sessionStorage.setItem(key(scriptId), JSON.stringify(value));
  } catch {
    // Storage full or disabled: the leave guard still protects the edits.
  }
}

export function clearDraft(scriptId: string | undefined): void {
  sessionStorage.removeItem(key(scriptId));
}
