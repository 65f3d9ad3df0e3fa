// The rule both alert senders follow (dispatcher/domain/alerts.ts): a delivery is sent only while
// its lease covers the send and its report, a few at once, so one slow receiver neither holds the
// others nor outlives the lease of messages queued behind it (which another claimer would then
// send a second time).
import { describe, expect, test } from "vitest";
import { alertLeaseMs, DeliveryPool, leaseCoversSend, type DeliveryIo } from "../../protocol/alert-delivery.ts";
import type { ClaimedDelivery, DeliveryReport } from "../../protocol/host-domain.ts";

function delivery(n: number): ClaimedDelivery {
  return {
    id: `alr_${String(n).padStart(3, "0")}`,
    tenantId: "t",
    channel: "webhook",
    target: `http://hooks.test/${n}`,
    subject: "s",
    body: "b",
    attempts: 0,
    lease: `lease-${n}`,
  };
}

/** An outbox of `count` due deliveries, handed out in order, that records what the pool does with them. */
function outbox(count: number, send: DeliveryIo["send"], onClaim: () => void = () => {}) {
  const due = Array.from({ length: count }, (_, i) => delivery(i));
  const sent: string[] = [];
  const reports: DeliveryReport[] = [];
  const released: string[] = [];
  let sending = 0;
  let mostAtOnce = 0;
  const io: DeliveryIo = {
    claim: async (limit) => {
      onClaim();
      return due.splice(0, limit);
    },
    send: async (d, signal) => {
      sending++;
      mostAtOnce = Math.max(mostAtOnce, sending);
      try {
        await send(d, signal);
        sent.push(d.id);
      } finally {
        sending--;
      }
    },
    report: async (r) => {
      reports.push(r);
      return { id: r.id, recorded: true, status: r.error === undefined ? "sent" : "pending", attempts: 1 };
    },
    release: async (d) => {
      released.push(d.id);
    },
    log: () => {},
  };
  return { io, sent, reports, released, mostAtOnce: () => mostAtOnce };
}

describe("the alert delivery lease rule", () => {
  test("a delivery may be sent only while its lease outlasts the send's timeout and a margin to report it", () => {
    const claimedAt = 1_000_000;
    expect(leaseCoversSend(claimedAt, claimedAt, 15_000)).toBe(true);
    // 60 s lease: 41 s after the claim, 19 s are left, under the 15 s send plus its report's margin.
    expect(leaseCoversSend(claimedAt, claimedAt + 41_000, 15_000)).toBe(false);
    expect(leaseCoversSend(claimedAt, claimedAt + alertLeaseMs, 15_000)).toBe(false);
  });

  test("a delivery whose claim took most of its lease is handed back unsent, not sent late", async () => {
    let clock = 0;
    // Each claim answers 45 s after it was asked (a database stalled): 15 s of lease are left.
    const box = outbox(
      3,
      async () => {},
      () => {
        clock += 45_000;
      },
    );
    const pool = new DeliveryPool(box.io, { concurrency: 2, sendTimeoutMs: 15_000, now: () => clock });
    await pool.fill(2);
    await pool.idle();
    expect(box.sent).toEqual([]);
    expect(box.reports).toEqual([]);
    expect(box.released).toEqual(["alr_000", "alr_001"]);
  });

  test("twelve deliveries, one to a receiver that never answers: the other eleven are sent and reported meanwhile, each once, at most five at once", async () => {
    const box = outbox(12, (d, signal) =>
      d.id === "alr_001"
        ? new Promise<void>((_, reject) => signal.addEventListener("abort", () => reject(new Error("aborted")), { once: true }))
        : new Promise<void>((resolve) => setTimeout(resolve, 5)),
    );
    const pool = new DeliveryPool(box.io, { concurrency: 5, sendTimeoutMs: 2_000 });
    expect(await pool.fill(20)).toBe(12);
    await pool.idle();

    expect([...box.sent].sort()).toEqual(
      Array.from({ length: 12 }, (_, i) => delivery(i).id)
        .filter((id) => id !== "alr_001")
        .sort(),
    );
    expect(box.mostAtOnce()).toBe(5);
    // The hung one is given up at its timeout, reported last with why, under its own lease.
    expect(box.reports).toHaveLength(12);
    expect(box.reports.at(-1)).toEqual({ id: "alr_001", lease: "lease-1", error: "no answer within 2 s: given up for this attempt" });
    expect(box.reports.slice(0, 11).every((r) => r.error === undefined)).toBe(true);
  });
});
