import { LRUCache } from 'lru-cache';
import { type EntityManager } from 'typeorm';
import { type ChangeFeed } from '../../database/change-feed.js';
import { type Clock } from '../clock/clock.js';

/** How long an entry lives: bounds staleness should a notification be lost while the listener reconnects. */
const TTL_MS = 30_000;
/** Entries per cache; past it the least recently used one goes. */
const MAX_ENTRIES = 10_000;
/** The key a change of every entry of a topic is announced under. */
const EVERY_KEY = '*';

export interface ChangeFeedCacheOptions<K> {
  /** The change-feed topic its changes are announced under. */
  topic: string;
  /** The string an entry is cached and announced under. */
  key: (key: K) => string;
  /** 10,000 unless given. */
  maxEntries?: number;
}

/**
 * A lookup of the request paths (apps by appkey, SMS routes), cached for 30 s in
 * a bounded LRU: a key costs one database query per TTL, unknown keys included
 * (a `null` answer is cached too), however many requests miss it at once. A change announced through the
 * {@link ChangeFeed} drops its entry (or every entry) in every instance; a
 * listener that may have missed notifications drops everything. Time is the
 * injected {@link Clock}'s, so a fake clock drives expiry in tests.
 */
export class ChangeFeedCache<K, V> {
  private readonly entries: LRUCache<string, { value: V }>;
  /** Counts the drops: a load that a drop overtook may have read what the change replaced, and is not kept. */
  private drops = 0;
  /** Loads under way, by key: a lookup that misses joins the one already running (a drop forgets them). */
  private readonly loading = new Map<string, Promise<V>>();
  /** Lookups answered from the cache, and those that loaded (read by the metrics). */
  hits = 0;
  misses = 0;

  constructor(
    clock: Clock,
    private readonly feed: Pick<ChangeFeed, 'subscribe' | 'announce' | 'changedHere'>,
    private readonly options: ChangeFeedCacheOptions<K>,
  ) {
    this.entries = new LRUCache({
      max: options.maxEntries ?? MAX_ENTRIES,
      ttl: TTL_MS,
      // Read the clock on every lookup: the default reuses one reading for a millisecond, on a timer.
      ttlResolution: 0,
      perf: { now: () => clock.nowMs() },
    });
    feed.subscribe(options.topic, {
      changed: (key) => this.drop(key === EVERY_KEY ? undefined : key),
      missed: () => this.drop(undefined),
    });
  }

  /**
   * The cached answer, or `load()`'s (null included), which is then cached unless
   * an entry was dropped while it loaded: that load may have read the database
   * before the change committed, and would keep the old value for 30 s.
   *
   * A load on a transaction's connection (`inTransaction`) neither joins a load
   * under way nor is joined. On PGlite one connection's transaction holds the one
   * backend: a load through the pool waits for the transaction to end, and
   * the transaction, had it joined that load, would wait for it for ever, and so
   * would every request after them.
   */
  async get(key: K, load: () => Promise<V>, { inTransaction = false } = {}): Promise<V> {
    const k = this.options.key(key);
    const hit = this.entries.get(k);
    if (hit) {
      this.hits++;
      return hit.value;
    }
    return inTransaction ? this.loadAlone(k, load) : this.load(k, load);
  }

  /**
   * {@link get} without a promise when the answer is cached (`{ value }`, null
   * answers included); undefined when it is not, and then the caller goes the
   * way of `get`. For request paths that would otherwise wait a microtask for
   * what is already here.
   */
  peek(key: K): { value: V } | undefined {
    const hit = this.entries.get(this.options.key(key));
    if (hit) this.hits++;
    return hit;
  }

  private load(k: string, load: () => Promise<V>): Promise<V> {
    // One load per key at a time: when a hot entry expires under load, the requests
    // that miss it together wait for one query instead of each making its own.
    const pending = this.loading.get(k);
    if (pending) {
      this.misses++;
      return pending;
    }
    const loaded = this.loadAlone(k, load);
    this.loading.set(k, loaded);
    const forget = () => {
      if (this.loading.get(k) === loaded) this.loading.delete(k);
    };
    loaded.then(forget, forget);
    return loaded;
  }

  /** `load()`'s answer, kept unless a drop overtook it. */
  private loadAlone(k: string, load: () => Promise<V>): Promise<V> {
    this.misses++;
    const drops = this.drops;
    return load().then((value) => {
      if (drops === this.drops) this.entries.set(k, { value });
      return value;
    });
  }

  /** Once `m`'s transaction commits, every instance drops `key`'s entry, or every entry when no key is given. */
  async announceChange(m: EntityManager, key?: K): Promise<void> {
    await this.feed.announce(m, this.options.topic, key === undefined ? EVERY_KEY : this.options.key(key));
  }

  /**
   * Drops `key`'s entry here, or every entry when no key is given, in this cache
   * and every other cache of its topic (as the announcement does elsewhere).
   */
  evict(key?: K): void {
    this.feed.changedHere(this.options.topic, key === undefined ? EVERY_KEY : this.options.key(key));
  }

  private drop(k: string | undefined): void {
    this.drops++;
    // A lookup after the drop must not join a load that may have read what the change replaced.
    if (k === undefined) {
      this.entries.clear();
      this.loading.clear();
    } else {
      this.entries.delete(k);
      this.loading.delete(k);
    }
  }
}
