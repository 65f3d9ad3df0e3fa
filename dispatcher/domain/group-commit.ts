// Writes that arrive together go to the database together. Every call to the dispatcher writes
// at least twice (admitting an execution, recording its outcome), each a round trip to the host
// and a transaction of its own. While one write is under way, those that arrive wait and go in
// the next transaction, each group of statements in order; when quiet, a write goes at once.
//
// Callers are different requests, and workerd lets a request do I/O only for itself. So each
// write is made by one of the requests waiting for it (the leader), and when it is done the next
// waiting request is woken to make the next one. A waiting request keeps a timer of its own, or
// the runtime would take it for hung and cancel it; the timer also notices a leader that never
// comes back (its request cancelled mid-write) and routes around it.
import type { Statement, StatementBatch } from "../../db/proxy-protocol.ts";

const maxGroupsPerWrite = 64;
/** Far beyond any healthy write (the host's busy timeout is 5 s). */
const stalledAfterMs = 15_000;
const checkEveryMs = 1000;

type Outcome = { results: unknown[][][] } | { alone: true } | { lost: true };

interface Waiting {
  statements: Statement[];
  done: Promise<Outcome>;
  settle(outcome: Outcome): void;
  /** Resolved when this request is to make the next write. */
  lead: Promise<void>;
  promote(): void;
  /** When the write carrying it began; undefined while it waits in the queue. */
  writtenSince?: number;
}

export class GroupCommit {
  readonly #write: StatementBatch;
  readonly #queue: Waiting[] = [];
  #writing = false;
  #leaderSince = 0;

  constructor(write: StatementBatch) {
    this.#write = write;
  }

  /** Runs `statements` in one transaction, possibly shared; answers each one's rows. */
  async run(statements: Statement[]): Promise<unknown[][][]> {
    const waiting = entry(statements);
    this.#queue.push(waiting);
    if (!this.#writing) {
      this.#writing = true;
      waiting.promote();
    }
    const watch = setInterval(() => this.#check(waiting), checkEveryMs);
    try {
      const first = await Promise.race([waiting.done.then(() => "done" as const), waiting.lead.then(() => "lead" as const)]);
      // The leader stops waiting for its write if it is declared lost (see #check).
      if (first === "lead") await Promise.race([this.#lead(), waiting.done]);
      const outcome = await waiting.done;
      if ("results" in outcome) return outcome.results;
      if ("lost" in outcome) throw new Error("a shared database write did not come back; the statements may or may not have been applied");
      // The shared write failed (one group's duplicate key, say): each group is written alone,
      // by its own request, so one group's failure is only its own.
      return await this.#write(statements);
    } finally {
      clearInterval(watch);
    }
  }

  async #lead(): Promise<void> {
    this.#leaderSince = Date.now();
    const batch = this.#queue.splice(0, maxGroupsPerWrite);
    for (const w of batch) w.writtenSince = this.#leaderSince;
    try {
      const results = await this.#write(batch.flatMap((w) => w.statements));
      let at = 0;
      for (const w of batch) {
        w.settle({ results: results.slice(at, at + w.statements.length) });
        at += w.statements.length;
      }
    } catch {
      for (const w of batch) w.settle({ alone: true });
    } finally {
      const next = this.#queue[0];
      if (next) next.promote();
      else this.#writing = false;
    }
  }

  /** Runs in a waiting request's own timer: routes around a leader that never came back. */
  #check(w: Waiting): void {
    const now = Date.now();
    if (w.writtenSince !== undefined) {
      if (now - w.writtenSince > stalledAfterMs) w.settle({ lost: true });
    } else if (this.#writing && now - this.#leaderSince > stalledAfterMs && this.#queue[0] === w) {
      this.#leaderSince = now;
      w.promote();
    }
  }
}

function entry(statements: Statement[]): Waiting {
  let settle!: (outcome: Outcome) => void;
  let promote!: () => void;
  const done = new Promise<Outcome>((resolve) => (settle = resolve));
  const lead = new Promise<void>((resolve) => (promote = resolve));
  return { statements, done, settle, lead, promote };
}
