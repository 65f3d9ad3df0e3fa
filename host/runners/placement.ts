// Where an execution runs. Pure bookkeeping, no processes: the pool asks, this answers.
//
// - Memory tiers: each runner process has one V8 heap cap, so a script's memoryMb is rounded up
//   to the smallest tier that holds it.
// - A process per tenant: each active tenant gets runner processes of its own (one per tier it
//   uses), up to a cap; the least recently used idle one is stopped to make room. One tenant's
//   runaway therefore never interrupts another tenant's executions.
// - Beyond the cap, when every process is busy, tenants share overflow runners chosen by a
//   stable hash of their id.
// - A tenant whose script had to be killed runs at lower CPU priority for a while, so its
//   repeat offences cannot starve the others of CPU.

export interface PlacementOptions {
  tiersMb: number[];
  penaltyMs: number;
}

export function hashIndex(text: string, buckets: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % buckets;
}

export class Placement {
  readonly #tiers: number[];
  readonly #penaltyMs: number;
  readonly #penalisedUntil = new Map<string, number>();

  constructor(options: PlacementOptions) {
    this.#tiers = [...options.tiersMb].sort((a, b) => a - b);
    this.#penaltyMs = options.penaltyMs;
  }

  get largestTierMb(): number {
    return this.#tiers.at(-1)!;
  }

  tierFor(memoryMb: number): number {
    return this.#tiers.find((t) => t >= memoryMb) ?? this.largestTierMb;
  }

  /** The tenant's script had to be stopped: its processes run at lower priority for a while. */
  penalise(tenantId: string, now = Date.now()): void {
    this.#penalisedUntil.set(tenantId, now + this.#penaltyMs);
  }

  isPenalised(tenantId: string, now = Date.now()): boolean {
    const until = this.#penalisedUntil.get(tenantId);
    if (until === undefined) return false;
    if (until > now) return true;
    this.#penalisedUntil.delete(tenantId);
    return false;
  }

  penalised(now = Date.now()): string[] {
    return [...this.#penalisedUntil.keys()].filter((t) => this.isPenalised(t, now));
  }
}
