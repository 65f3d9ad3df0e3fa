// Cancelling an execution nobody wants any more. A queued one is closed at once (its place in
// the queue, and its share of the queue budgets, go with it). A running one is stopped by its
// runner: its ctx.signal aborts with "cancelled", it has the same cleanup grace as a timeout,
// and a process still held after that is stopped like a timed-out one's (without penalising
// the tenant: nobody misbehaved). Its runner then reports it cancelled, with the logs it wrote,
// and the record is written like any outcome. An event delivery cancelled is not retried.
//
// A run on another host sharing the database is stopped the same way, by that host: once the
// tenant check here has passed, this host asks it (through host/peer-relay.ts), and its
// dispatcher, which awaits the run, writes the record this one waits for. A host that has gone
// quiet, or does not answer, is named in a 409: its runs are closed as lost once past their
// deadline, or as interrupted by its restart.
import type { ExecutionDetail } from "../../protocol/api.ts";
import { AppError } from "../../protocol/errors.ts";
import { peerGoneAfterMs, type LivePeer } from "../../protocol/live-peers.ts";
import type { Runner } from "../platform/runner.ts";
import type { Admission, Claimed } from "./admission.ts";
import type { ExecutionService } from "./executions.ts";
import { authorOf, requirePermission, type Principal } from "./principal.ts";
import type { Background } from "./runs.ts";

/**
 * How long a run recorded as running may take to reach its runner (admitted a moment ago, or
 * waiting for its process to start) before it counts as lost: then nobody is running it.
 */
const reachWithinMs = 3000;
/** How long the runner may take to end a cancelled run: the cleanup grace, a kill, a restart. */
const endWithinMs = 15_000;
const pollMs = 100;

/** Where another host's peer listener answers; undefined when that host has gone quiet. */
export type PeerOf = (hostId: string) => Promise<LivePeer | undefined>;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const finished: Record<string, string> = {
  succeeded: "succeeded",
  failed: "failed",
  timed_out: "timed out",
  cancelled: "been cancelled",
  interrupted: "been interrupted",
  skipped: "been skipped",
  missed: "been missed",
};

export class Cancellation {
  readonly #executions: ExecutionService;
  readonly #admission: Admission;
  readonly #runner: Runner;
  readonly #start: (claimed: Claimed, background: Background) => Promise<unknown>;
  readonly #peerOf: PeerOf;

  /**
   * `start`: how a run claimed for the slot a cancelled one freed is started. `peerOf`: where
   * another host sharing the database answers, or nothing when it has gone quiet.
   */
  constructor(
    executions: ExecutionService,
    admission: Admission,
    runner: Runner,
    start: (claimed: Claimed, background: Background) => Promise<unknown>,
    peerOf: PeerOf,
  ) {
    this.#executions = executions;
    this.#admission = admission;
    this.#runner = runner;
    this.#start = start;
    this.#peerOf = peerOf;
  }

  /** Cancels a queued or running execution of the caller's tenant; answers its record. */
  async cancel(principal: Principal, id: string, background: Background): Promise<ExecutionDetail> {
    requirePermission(principal, "scripts.execute");
    const by = authorOf(principal);
    const tenantId = principal.tenant.id;
    const lostAfter = Date.now() + reachWithinMs;
    for (;;) {
      const now = await this.#executions.whereIs(tenantId, id);
      if (now.status === "queued") {
        if (await this.#close(tenantId, id, "queued", `cancelled by ${by} before it started`, background)) break;
        continue; // it started meanwhile
      }
      if (now.status !== "running") {
        throw new AppError(
          "CONFLICT",
          `execution ${id} has already ${finished[now.status] ?? now.status}: only a queued or running execution can be cancelled`,
          { details: { status: now.status } },
        );
      }
      if (!this.#runner.cancel)
        throw new AppError("CONFLICT", `execution ${id} is running, and this deployment cannot stop a running execution: it ends at its timeout`, {
          details: { status: "running" },
        });
      // Tenant-scoped above: another tenant's id was not found, and nothing is asked of any host.
      const elsewhere = now.hostId !== null && now.hostId !== this.#admission.hostId ? now.hostId : undefined;
      const peer = elsewhere === undefined ? undefined : await this.#peerOf(elsewhere);
      if (elsewhere !== undefined && !peer) {
        throw new AppError(
          "CONFLICT",
          `execution ${id} runs on host ${elsewhere}, which has not said it is up for over ${peerGoneAfterMs / 1000} s: it cannot be stopped now, and is closed as lost once past its deadline, or as interrupted when that host starts again`,
          { details: { status: "running", hostId: elsewhere } },
        );
      }
      const answer = await this.#runner.cancel(id, by, peer);
      if (answer.cancelled) {
        await this.#ended(tenantId, id);
        break;
      }
      if (Date.now() >= lostAfter) {
        if (answer.unreachable) {
          // Why is in that host's log (peer.cancel_unavailable): its address is not the caller's business.
          throw new AppError("CONFLICT", `execution ${id} runs on host ${elsewhere}, which this one cannot reach now: try again in a moment`, {
            details: { status: "running", hostId: elsewhere },
          });
        }
        // No runner of the host recorded as running it has it: its dispatcher died under it
        // (or lost its host). Closing it frees its slot at once.
        if (await this.#close(tenantId, id, "running", `cancelled by ${by}; no runner was running it any more`, background)) break;
        continue;
      }
      await sleep(pollMs);
    }
    return this.#executions.detail(tenantId, id);
  }

  /** Records the cancel if the execution is still `from`; a slot it freed goes to the next in line. */
  async #close(tenantId: string, id: string, from: "queued" | "running", message: string, background: Background): Promise<boolean> {
    const writes = this.#executions.cancelStatements(id, from, message);
    const next = await this.#admission.claimAfter(writes);
    if (next) background(this.#start(next, background));
    return (await this.#executions.whereIs(tenantId, id)).status === "cancelled";
  }

  /** Waits for the runner's outcome to be recorded (the answer is the finished record). */
  async #ended(tenantId: string, id: string): Promise<void> {
    const until = Date.now() + endWithinMs;
    while (Date.now() < until) {
      if ((await this.#executions.whereIs(tenantId, id)).status !== "running") return;
      await sleep(pollMs);
    }
  }
}
