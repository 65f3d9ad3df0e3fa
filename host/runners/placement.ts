// Where an execution runs. Pure bookkeeping, no processes: the pool asks, this answers.
//
// - Memory tiers: each runner process has one V8 heap cap, so a script's memoryMb is rounded up
//   to the smallest tier that holds it.
// - A tenant whose script had to be killed runs at a small CPU share for a while, so its
//   repeat offences cannot starve the others of CPU. (Which process runs a tenant is the pool's:
//   always one of its own.)

export interface PlacementOptions {
  tiersMb: number[];
  penaltyMs: number;
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
