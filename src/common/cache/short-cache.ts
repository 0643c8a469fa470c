import { type Clock } from '../clock/clock.js';

/**
 * A bounded map whose entries live `ttlMs`: the lookups of the request paths
 * (apps by appkey, SMS routes) go to the database once per entry. Misses are
 * cached too (a `null` answer), so unknown keys cost one query per TTL as well.
 * Full, it starts over rather than tracking recency.
 */
export class ShortCache<V> {
  private readonly entries = new Map<string, { value: V; expiresAt: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  /** The cached value, or `load()`'s answer, which is then cached. */
  async get(key: string, load: () => Promise<V>): Promise<V> {
    const now = this.clock.nowMs();
    const hit = this.entries.get(key);
    if (hit && hit.expiresAt > now) return hit.value;
    const value = await load();
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(key, { value, expiresAt: now + this.ttlMs });
    return value;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
