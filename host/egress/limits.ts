// The caps on what one execution may pull through the proxy. Counting lives in memory: the
// proxy runs in the host that supervises every execution, and a count only has to last as long
// as the execution does (the platform's longest is 15 minutes).

export interface EgressLimits {
  /** Largest response body we fetch for a script, in bytes. */
  maxResponseBytes: number;
  /** Largest request body a script may send, in bytes. */
  maxRequestBytes: number;
  /** Requests one execution may make; each redirect hop is part of the request that caused it. */
  maxRequestsPerExecution: number;
  /** One request from start to last byte, redirects included, in milliseconds. */
  timeoutMs: number;
  /** Redirects followed for one request before giving up. */
  maxRedirects: number;
}

export const defaultLimits: EgressLimits = {
  maxResponseBytes: 10 * 1024 * 1024,
  maxRequestBytes: 10 * 1024 * 1024,
  maxRequestsPerExecution: 50,
  timeoutMs: 15_000,
  maxRedirects: 5,
};

// Longer than any execution may run, so a count dropped for idleness can no longer be in use.
const idleMs = 60 * 60 * 1000;

export class RequestCounter {
  readonly #max: number;
  readonly #now: () => number;
  readonly #counts = new Map<string, { count: number; lastAt: number }>();
  #sweptAt = 0;

  constructor(max: number, now: () => number = Date.now) {
    this.#max = max;
    this.#now = now;
  }

  /** Counts one request for this execution; false once it has used its allowance. */
  take(executionId: string): boolean {
    const now = this.#now();
    this.#sweep(now);
    const entry = this.#counts.get(executionId) ?? { count: 0, lastAt: now };
    entry.lastAt = now;
    this.#counts.set(executionId, entry);
    if (entry.count >= this.#max) return false;
    entry.count += 1;
    return true;
  }

  /** Called when an execution ends, so its count does not outlive it. */
  forget(executionId: string): void {
    this.#counts.delete(executionId);
  }

  get size(): number {
    return this.#counts.size;
  }

  // A safety net for executions whose end was never reported (a crashed runner, a host bug).
  #sweep(now: number): void {
    if (now - this.#sweptAt < 60_000) return;
    this.#sweptAt = now;
    for (const [id, entry] of this.#counts) if (now - entry.lastAt > idleMs) this.#counts.delete(id);
  }
}
