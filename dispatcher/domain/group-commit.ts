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
import type { Statement as Plain, StatementBatch } from "../../db/proxy-protocol.ts";

/**
 * A statement that may be merged with its kind in a shared write: when several groups of one
 * write carry a statement with the same `merge.key`, they are replaced by one `merge.many(n)`
 * statement run after every group's other statements, whose rows are dealt out in order, one
 * to each of those groups (none when it answered fewer). A group written alone runs its own.
 * Claims of freed slots are merged so: one claim of up to n waiting runs instead of n claims.
 */
export type Statement = Plain & { merge?: { key: string; many(merged: Plain[]): Plain } };

/**
 * A shared write carries at most this many statements; a bigger group (a batch of events to many
 * subscribers) is written on its own, so it never holds small ones back behind it for long.
 */
const maxStatementsPerWrite = 2000;
/**
 * Nor more than this many bytes of parameters: a write of large values (a 1 MB input) costs its
 * time in copying and parsing, and twenty of them shared would hold a small write back seconds.
 */
const maxBytesPerWrite = 256 * 1024;
/** Far beyond any healthy write, even the largest group a request may make. */
const stalledAfterMs = 60_000;
const checkEveryMs = 1000;

type Outcome = { results: unknown[][][] } | { alone: true } | { lost: true };

interface Waiting {
  statements: Statement[];
  /** About how many bytes its parameters hold. */
  bytes: number;
  done: Promise<Outcome>;
  settle(outcome: Outcome): void;
  /** Resolved when this request is to make the next write. */
  lead: Promise<void>;
  promote(): void;
  /** A fresh `lead`, once a promotion has been used. */
  renewLead(): void;
  /** When the write carrying it began; undefined while it waits in the queue. */
  writtenSince?: number;
}

export class GroupCommit {
  readonly #write: StatementBatch;
  readonly #queue: Waiting[] = [];
  #writing = false;
  #leaderSince = 0;
  #lastWasBig = false;

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
    const done = waiting.done.then(() => "done" as const);
    try {
      // Promoted, a request leads a write; the write may not carry its own group (small groups
      // may go first), in which case it waits to be promoted again.
      while ((await Promise.race([done, waiting.lead.then(() => "lead" as const)])) === "lead") {
        waiting.renewLead();
        // The leader stops waiting for its write if it is declared lost (see #check).
        await Promise.race([this.#lead(), waiting.done]);
      }
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
    const batch = this.#take();
    for (const w of batch) w.writtenSince = this.#leaderSince;
    try {
      const { statements, deal } = merged(batch);
      const results = deal(await this.#write(statements));
      for (const [i, w] of batch.entries()) w.settle({ results: results[i]! });
    } catch {
      for (const w of batch) w.settle({ alone: true });
    } finally {
      const next = this.#queue[0];
      if (next) next.promote();
      else this.#writing = false;
    }
  }

  /**
   * The next write: the oldest group, and when it is small every other waiting group that still
   * fits, in order, stepping over big ones. A big group (many statements, or large values) goes
   * alone, and after one the small groups go first: they wait behind at most one big write,
   * however many a busy tenant queues.
   */
  #take(): Waiting[] {
    const big = (w: Waiting) => w.statements.length > maxStatementsPerWrite || w.bytes > maxBytesPerWrite;
    // After a big write, small groups go next even if another big one is older.
    const first = this.#lastWasBig ? this.#queue.findIndex((w) => !big(w)) : 0;
    const [head] = this.#queue.splice(first === -1 ? 0 : first, 1);
    if (!head) return [];
    this.#lastWasBig = big(head);
    const batch = [head];
    if (this.#lastWasBig) return batch;
    let room = maxStatementsPerWrite - head.statements.length;
    let roomBytes = maxBytesPerWrite - head.bytes;
    for (let i = 0; i < this.#queue.length && room > 0; ) {
      const next = this.#queue[i]!;
      if (next.statements.length <= room && next.bytes <= roomBytes) {
        batch.push(next);
        room -= next.statements.length;
        roomBytes -= next.bytes;
        this.#queue.splice(i, 1);
      } else {
        i++;
      }
    }
    return batch;
  }

  /**
   * Runs in a waiting request's own timer: routes around a leader that never came back (its
   * request cancelled mid-write, or cancelled while it waited for its turn). Any live waiter may
   * take over; a dead one at the head of the queue is simply written along.
   */
  #check(w: Waiting): void {
    const now = Date.now();
    if (w.writtenSince !== undefined) {
      if (now - w.writtenSince > stalledAfterMs) w.settle({ lost: true });
    } else if (this.#writing && now - this.#leaderSince > stalledAfterMs) {
      this.#leaderSince = now;
      w.promote();
    }
  }
}

/**
 * The statements of a shared write, with the mergeable ones of each key made one (see
 * `Statement`), and how to deal the write's results back to each group.
 */
function merged(batch: Waiting[]): { statements: Plain[]; deal(results: unknown[][][]): unknown[][][][] } {
  const holders = new Map<string, { many(merged: Plain[]): Plain; at: { group: number; index: number }[] }>();
  for (const [group, w] of batch.entries()) {
    for (const [index, s] of w.statements.entries()) {
      if (!s.merge) continue;
      const holder = holders.get(s.merge.key) ?? { many: s.merge.many, at: [] };
      holder.at.push({ group, index });
      holders.set(s.merge.key, holder);
    }
  }
  const shared = [...holders.values()].filter((h) => h.at.length > 1);
  if (shared.length === 0) {
    return {
      statements: batch.flatMap((w) => w.statements),
      deal(results) {
        let at = 0;
        return batch.map((w) => results.slice((at += w.statements.length) - w.statements.length, at));
      },
    };
  }
  const mergedAway = new Set(shared.flatMap((h) => h.at.map(({ group, index }) => `${group}:${index}`)));
  // Where each group's statement's result is in the write: a position, or a merged statement's.
  const places: (number | { merged: number; nth: number })[][] = [];
  const statements: Plain[] = [];
  batch.forEach((w, group) => {
    places.push(
      w.statements.map((s, index) => {
        if (mergedAway.has(`${group}:${index}`)) return { merged: -1, nth: -1 };
        statements.push(s);
        return statements.length - 1;
      }),
    );
  });
  for (const h of shared) {
    statements.push(h.many(h.at.map(({ group, index }) => batch[group]!.statements[index]!)));
    h.at.forEach(({ group, index }, nth) => {
      places[group]![index] = { merged: statements.length - 1, nth };
    });
  }
  return {
    statements,
    deal: (results) =>
      places.map((group) =>
        group.map((place) => {
          if (typeof place === "number") return results[place]!;
          const row = results[place.merged]![place.nth];
          return row === undefined ? [] : [row];
        }),
      ),
  };
}

function entry(statements: Statement[]): Waiting {
  let settle!: (outcome: Outcome) => void;
  const done = new Promise<Outcome>((resolve) => (settle = resolve));
  const waiting: Waiting = {
    statements,
    bytes: paramBytes(statements),
    done,
    settle,
    lead: Promise.resolve(),
    promote: () => undefined,
    renewLead() {
      this.lead = new Promise<void>((resolve) => (this.promote = resolve));
    },
  };
  waiting.renewLead();
  return waiting;
}

function paramBytes(statements: Statement[]): number {
  let bytes = 0;
  for (const { params } of statements) for (const p of params) bytes += typeof p === "string" ? p.length : 8;
  return bytes;
}
