// A small per-isolate cache of database answers that change rarely but are read on every
// request (which tenant serves a host, which scripts answer a path, who a token is). Writes made
// through this isolate clear it at once; writes from elsewhere (another host on the same
// database, another isolate on Cloudflare) are seen within `ttlMs`.
export class TtlCache<K, V> {
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  readonly #entries = new Map<K, { value: V; until: number }>();
  #generation = 0;

  constructor(ttlMs: number, maxEntries: number) {
    this.#ttlMs = ttlMs;
    this.#maxEntries = maxEntries;
  }

  /**
   * The cached value, or the loader's, stored for next time. A value loaded while the cache was
   * cleared is not stored: it may predate the write that cleared it.
   */
  async get(key: K, load: () => Promise<V>): Promise<V> {
    // Keys come from requests (host names, slugs, ids): a long one is answered, never kept, so
    // a caller cannot fill the isolate's memory with them.
    if (typeof key === "string" && key.length > maxKeyChars) return load();
    const hit = this.#entries.get(key);
    if (hit && hit.until > Date.now()) return hit.value;
    const generation = this.#generation;
    const value = await load();
    if (generation === this.#generation) {
      if (this.#entries.size >= this.#maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
      this.#entries.delete(key);
      this.#entries.set(key, { value, until: Date.now() + this.#ttlMs });
    }
    return value;
  }

  delete(key: K): void {
    this.#entries.delete(key);
    this.#generation++;
  }

  clear(): void {
    this.#entries.clear();
    this.#generation++;
  }
}

const maxKeyChars = 256;

/** How long a change made through another isolate or host may take to be seen here. */
export const cacheTtlMs = 2000;
