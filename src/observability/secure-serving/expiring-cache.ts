/** Options of {@link ExpiringCache}. */
export interface ExpiringCacheOptions {
  /** How long a loaded value is served from the cache. */
  ttlMs: number;
  /** Most entries kept; past it the oldest is dropped first. */
  maxEntries: number;
  /** Clock in milliseconds; tests pass a fake one. Default `performance.now`. */
  now?: () => number;
}

/**
 * A small cache of asynchronously loaded values that expire after a fixed time, with a bounded
 * number of entries.
 *
 * @remarks
 * It stores the load's promise, not its value, so concurrent lookups of one key share a single load
 * (a Prometheus with two replicas scraping at the same instant costs one review, not two). A load
 * that fails is forgotten at once, so an API server outage is never cached as a decision. Every
 * entry lives for the same time, so insertion order is expiry order and evicting the first entry of
 * the `Map` drops the one closest to expiring: no LRU bookkeeping is needed, which is why this is not
 * `lru-cache`.
 *
 * @example
 * ```ts
 * const users = new ExpiringCache<string>({ ttlMs: 10_000, maxEntries: 1024 });
 * const name = await users.get(tokenHash, () => reviewToken(token));
 * ```
 */
export class ExpiringCache<V> {
  private readonly entries = new Map<string, { value: Promise<V>; expires: number }>();
  private readonly now: () => number;

  constructor(private readonly options: ExpiringCacheOptions) {
    this.now = options.now ?? (() => performance.now());
  }

  /** Entries held, expired ones included until they are looked up or evicted. */
  get size(): number {
    return this.entries.size;
  }

  /** The value cached for `key`, or the result of `load()` (then cached), shared by concurrent callers. */
  get(key: string, load: () => Promise<V>): Promise<V> {
    const now = this.now();
    const hit = this.entries.get(key);
    if (hit && hit.expires > now) return hit.value;
    if (hit) this.entries.delete(key);
    while (this.entries.size >= this.options.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    const value = load();
    const entry = { value, expires: now + this.options.ttlMs };
    this.entries.set(key, entry);
    value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return value;
  }

  /** Forgets every entry. */
  clear(): void {
    this.entries.clear();
  }
}
