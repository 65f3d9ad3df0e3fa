// Where an execution runs. Pure bookkeeping, no processes: the pool asks, this answers.
//
// - Memory tiers: each runner process has one V8 heap cap, so a script's memoryMb is rounded up
//   to the smallest tier that holds it, and it runs on a runner of that tier.
// - Spreading: within a tier, a tenant always lands on the same runner, by a stable hash of its
//   id, so one tenant's runaway can reach only the tenants hashed beside it.
// - Quarantine: a tenant whose script had to be killed (past its deadline, or out of memory) is
//   moved to its tier's quarantine runner for a while, so a repeat offender only hurts itself.
//   When a crash cannot be pinned on one execution, every tenant in flight gets a strike, and
//   two strikes quarantine.

export interface PlacementOptions {
  tiersMb: number[];
  shardsPerTier: number;
  quarantineMs: number;
  strikeWindowMs: number;
}

export interface GroupKey {
  tierMb: number;
  quarantine: boolean;
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
  readonly #o: PlacementOptions;
  readonly #quarantinedUntil = new Map<string, number>();
  readonly #strikes = new Map<string, number[]>();

  constructor(options: PlacementOptions) {
    this.#o = { ...options, tiersMb: [...options.tiersMb].sort((a, b) => a - b) };
  }

  get largestTierMb(): number {
    return this.#o.tiersMb.at(-1)!;
  }

  tierFor(memoryMb: number): number {
    return this.#o.tiersMb.find((t) => t >= memoryMb) ?? this.largestTierMb;
  }

  isQuarantined(tenantId: string, now = Date.now()): boolean {
    const until = this.#quarantinedUntil.get(tenantId);
    if (until === undefined) return false;
    if (until > now) return true;
    this.#quarantinedUntil.delete(tenantId);
    return false;
  }

  /** The group and the runner index within it for one execution. */
  place(tenantId: string, memoryMb: number): { key: GroupKey; index: number } {
    const quarantine = this.isQuarantined(tenantId);
    return {
      key: { tierMb: this.tierFor(memoryMb), quarantine },
      index: quarantine ? 0 : hashIndex(tenantId, this.#o.shardsPerTier),
    };
  }

  shardsIn(key: GroupKey): number {
    return key.quarantine ? 1 : this.#o.shardsPerTier;
  }

  /** The tenant's script was certainly at fault. */
  convict(tenantId: string, now = Date.now()): void {
    this.#quarantinedUntil.set(tenantId, now + this.#o.quarantineMs);
  }

  /** A crash with several tenants in flight: each gets a strike; two in the window convict. */
  suspect(tenantId: string, now = Date.now()): boolean {
    const recent = (this.#strikes.get(tenantId) ?? []).filter((t) => t > now - this.#o.strikeWindowMs);
    recent.push(now);
    this.#strikes.set(tenantId, recent);
    if (recent.length < 2) return false;
    this.convict(tenantId, now);
    return true;
  }

  quarantined(now = Date.now()): string[] {
    return [...this.#quarantinedUntil.keys()].filter((t) => this.isQuarantined(t, now));
  }
}
