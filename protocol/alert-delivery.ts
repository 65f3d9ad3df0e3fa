// How a sender works through the alert outbox, on either build: the host's sender (Node) and the
// Cloudflare build's (the tick) share this pool, so the rules for leases, timeouts and how many
// sends at once are one. The outbox itself (claims, leases, reports) is the domain's
// (dispatcher/domain/alerts.ts).
import type { ClaimedDelivery, DeliveryRecord, DeliveryReport } from "./host-domain.ts";

/** How long a claimed delivery is the claimer's; past it, another sender may claim it again. */
export const alertLeaseMs = 60_000;
/**
 * The longest one send may take before it is given up as failed (and retried): the egress
 * proxy's whole-request limit, which webhooks go through; email is held to the same.
 */
export const alertSendTimeoutMs = 15_000;
/** Room left under the lease after a send's timeout, for its outcome to be reported. */
const reportMarginMs = 5_000;
/**
 * Sends one sender makes at once: one slow receiver holds only its own slot. On Cloudflare an
 * invocation gets six connections at once; this leaves one for the database.
 */
export const alertSendConcurrency = 5;

/**
 * Whether a delivery claimed at `claimedAt` (by the sender's own clock, read before it asked, so
 * the clocks of the sender and the database never meet) may still be sent: only if its lease
 * outlasts the longest the send may take and the report after it. Sent any later, the lease could
 * run out mid-send, another claimer send it again, and the receiver get it twice.
 */
export function leaseCoversSend(claimedAt: number, now: number, sendTimeoutMs = alertSendTimeoutMs): boolean {
  return claimedAt + alertLeaseMs - now >= sendTimeoutMs + reportMarginMs;
}

/** What a sender does with the outbox; the pool below decides when and how many at once. */
export interface DeliveryIo {
  claim(limit: number): Promise<ClaimedDelivery[]>;
  /** Sends one message; `signal` aborts when the send has taken too long. */
  send(delivery: ClaimedDelivery, signal: AbortSignal): Promise<void>;
  report(report: DeliveryReport): Promise<DeliveryRecord | undefined>;
  /** Hands a claimed delivery back at once (else it waits until its lease runs out). */
  release?(delivery: ClaimedDelivery): Promise<void>;
  log(level: "info" | "warn" | "error", event: string, fields: Record<string, unknown>): void;
}

/**
 * Both senders' way through the outbox: at most `concurrency` sends at once, each claimed when a
 * slot is free (so its lease starts as it is sent, never while it queues behind slow receivers),
 * each given at most `sendTimeoutMs`, each outcome reported as it happens.
 */
export class DeliveryPool {
  readonly #io: DeliveryIo;
  readonly #concurrency: number;
  readonly #sendTimeoutMs: number;
  readonly #now: () => number;
  readonly #inFlight = new Set<Promise<void>>();

  constructor(io: DeliveryIo, options: { concurrency?: number; sendTimeoutMs?: number; now?: () => number } = {}) {
    this.#io = io;
    this.#concurrency = Math.max(1, options.concurrency ?? alertSendConcurrency);
    this.#sendTimeoutMs = options.sendTimeoutMs ?? alertSendTimeoutMs;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Claims due deliveries into free slots (waiting for one to free while more are due) until
   * `max` are claimed or none are left due; answers how many it claimed. Sends still going when
   * it answers go on: `idle()` waits for them.
   */
  async fill(max = Number.POSITIVE_INFINITY): Promise<number> {
    let claimed = 0;
    while (claimed < max) {
      if (this.#inFlight.size >= this.#concurrency) await Promise.race(this.#inFlight);
      const room = Math.min(this.#concurrency - this.#inFlight.size, max - claimed);
      const claimedAt = this.#now();
      const due = await this.#io.claim(room);
      claimed += due.length;
      for (const delivery of due) {
        if (leaseCoversSend(claimedAt, this.#now(), this.#sendTimeoutMs)) this.#start(delivery);
        else await this.#leave(delivery);
      }
      if (due.length < room) break;
    }
    return claimed;
  }

  /** Resolves when every send started so far is done and reported. */
  async idle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all(this.#inFlight);
  }

  #start(delivery: ClaimedDelivery): void {
    const task = this.#sendAndReport(delivery).finally(() => this.#inFlight.delete(task));
    this.#inFlight.add(task);
  }

  async #leave(delivery: ClaimedDelivery): Promise<void> {
    // The claim itself took so long that the lease could run out mid-send: not sent by this
    // sender, and handed back where that is cheap, for the next claim to send in time.
    this.#io.log("warn", "alert.lease_too_short", { id: delivery.id, lease: delivery.lease });
    await this.#io.release?.(delivery).catch((e: Error) => this.#io.log("error", "alert.release_failed", { id: delivery.id, error: e.message }));
  }

  async #sendAndReport(delivery: ClaimedDelivery): Promise<void> {
    let error: string | undefined;
    const signal = AbortSignal.timeout(this.#sendTimeoutMs);
    try {
      const gaveUp = new Promise<never>((_, reject) =>
        signal.addEventListener("abort", () => reject(new Error(`no answer within ${this.#sendTimeoutMs / 1000} s: given up for this attempt`)), {
          once: true,
        }),
      );
      gaveUp.catch(() => {});
      await Promise.race([this.#io.send(delivery, signal), gaveUp]);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
    try {
      // Reported one by one as they happen, under the lease it was claimed with: a report whose
      // lease ran out and was claimed again is not recorded over the new claimer's.
      const recorded = await this.#io.report({ id: delivery.id, lease: delivery.lease, error });
      if (error !== undefined)
        this.#io.log("warn", "alert.delivery_failed", {
          id: delivery.id,
          channel: delivery.channel,
          attempt: recorded?.attempts ?? delivery.attempts + 1,
          gaveUp: recorded?.status === "failed",
          error,
        });
      if (recorded && !recorded.recorded) this.#io.log("warn", "alert.lease_lost", { id: delivery.id });
    } catch (e) {
      // Unrecorded, it is sent again once its lease runs out.
      this.#io.log("error", "alert.report_failed", { id: delivery.id, sent: error === undefined, error: (e as Error).message });
    }
  }
}
