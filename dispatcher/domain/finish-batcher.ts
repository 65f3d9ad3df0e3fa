// Records the outcomes of runs that end together in one transaction. The deliveries of a batch
// of events run side by side and end within milliseconds of each other; each recording its
// outcome (and handing its slot on) in its own round trip made that the largest cost per event.
// While one write is under way, the outcomes that arrive wait and go in the next one, so under
// load a write carries many and when quiet each goes at once.
import type { Statement } from "../../db/open-remote.ts";
import type { Admission, Claimed } from "./admission.ts";

interface Pending {
  statements: Statement[];
  resolve(next: Claimed | undefined): void;
  reject(error: unknown): void;
}

const maxPerWrite = 50;

export class FinishBatcher {
  readonly #admission: Admission;
  #pending: Pending[] = [];
  #writing = false;

  constructor(admission: Admission) {
    this.#admission = admission;
  }

  /** Records one outcome; answers the waiting execution its freed slot went to, if any. */
  finish(statements: Statement[]): Promise<Claimed | undefined> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ statements, resolve, reject });
      if (!this.#writing) void this.#write();
    });
  }

  async #write(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending.splice(0, maxPerWrite);
        try {
          const claims = await this.#admission.claimAfterEach(batch.map((p) => p.statements));
          batch.forEach((p, i) => p.resolve(claims[i]));
        } catch {
          // One failing outcome must not take the others with it: each is written alone.
          for (const p of batch) await this.#admission.claimAfter(p.statements).then(p.resolve, p.reject);
        }
      }
    } finally {
      this.#writing = false;
    }
  }
}
