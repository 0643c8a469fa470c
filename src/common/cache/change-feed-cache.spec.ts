import { type EntityManager } from 'typeorm';
import { type ChangeSubscriber } from '../../database/change-feed.js';
import { Clock } from '../clock/clock.js';
import { ChangeFeedCache } from './change-feed-cache.js';

class ManualClock extends Clock {
  ms = Date.UTC(2026, 0, 1, 12);
  now(): Date {
    return new Date(this.ms);
  }
}

/** The change feed of one topic, in memory: records announcements and delivers what the test says. */
class FakeFeed {
  subscriber?: ChangeSubscriber;
  readonly announced: Array<[string, string]> = [];

  subscribe(topic: string, s: ChangeSubscriber): void {
    expect(topic).toBe('things');
    this.subscriber = s;
  }

  async announce(_m: EntityManager, topic: string, key: string): Promise<void> {
    this.announced.push([topic, key]);
  }

  changedHere(topic: string, key: string): void {
    expect(topic).toBe('things');
    this.subscriber!.changed(key);
  }
}

describe('ChangeFeedCache', () => {
  let clock: ManualClock;
  let feed: FakeFeed;
  let cache: ChangeFeedCache<{ id: number }, string | null>;
  let loads: number[];
  const get = (id: number, value: string | null = `v${id}`) =>
    cache.get({ id }, async () => {
      loads.push(id);
      return value;
    });

  beforeEach(() => {
    clock = new ManualClock();
    feed = new FakeFeed();
    cache = new ChangeFeedCache(clock, feed, { topic: 'things', key: ({ id }) => `#${id}`, maxEntries: 3 });
    loads = [];
  });

  it('answers from the cache for 30 s by the injected clock, null answers included', async () => {
    expect(await get(1)).toBe('v1');
    expect(await get(2, null)).toBeNull();
    clock.ms += 30_000;
    expect(await get(1)).toBe('v1');
    expect(await get(2, 'late')).toBeNull();
    expect(loads).toEqual([1, 2]);
    clock.ms += 1;
    expect(await get(1, 'v1 again')).toBe('v1 again');
    expect(await get(2, 'now')).toBe('now');
    expect(loads).toEqual([1, 2, 1, 2]);
  });

  it('peeks at a cached answer (null included) without loading, counting a hit, and at nothing once it expired or changed', async () => {
    expect(cache.peek({ id: 1 })).toBeUndefined();
    await get(1);
    await get(2, null);
    expect([cache.peek({ id: 1 }), cache.peek({ id: 2 })]).toEqual([{ value: 'v1' }, { value: null }]);
    expect([cache.hits, cache.misses]).toEqual([2, 2]);
    feed.subscriber!.changed('#1');
    expect(cache.peek({ id: 1 })).toBeUndefined();
    clock.ms += 30_001;
    expect(cache.peek({ id: 2 })).toBeUndefined();
    expect(loads).toEqual([1, 2]);
  });

  it('when full, forgets the least recently used entry only', async () => {
    await get(1);
    await get(2);
    await get(3);
    await get(1);
    await get(4); // over the bound: 2 goes
    await get(1);
    await get(3);
    await get(4);
    expect(loads).toEqual([1, 2, 3, 4]);
    await get(2);
    expect(loads).toEqual([1, 2, 3, 4, 2]);
  });

  it('drops an entry announced changed, every entry announced without a key, and everything when notifications were missed', async () => {
    await get(1);
    await get(2);
    feed.subscriber!.changed('#1');
    await get(1);
    await get(2);
    expect(loads).toEqual([1, 2, 1]);
    feed.subscriber!.changed('*');
    await get(1);
    await get(2);
    expect(loads).toEqual([1, 2, 1, 1, 2]);
    feed.subscriber!.missed();
    await get(1);
    expect(loads).toEqual([1, 2, 1, 1, 2, 1]);
  });

  it('announces a key, or every key, and evicts here', async () => {
    const m = {} as EntityManager;
    await cache.announceChange(m, { id: 7 });
    await cache.announceChange(m);
    expect(feed.announced).toEqual([['things', '#7'], ['things', '*']]);
    await get(1);
    await get(2);
    cache.evict({ id: 1 });
    await get(1);
    await get(2);
    cache.evict();
    await get(2);
    expect(loads).toEqual([1, 2, 1, 2]);
  });

  it('does not keep a load that a change overtook: it may hold what the change replaced', async () => {
    let release!: () => void;
    const slow = cache.get({ id: 1 }, async () => {
      loads.push(1);
      await new Promise<void>((r) => (release = r));
      return 'read before the change committed';
    });
    await Promise.resolve();
    feed.subscriber!.changed('#1');
    release();
    expect(await slow).toBe('read before the change committed');
    expect(await get(1, 'after')).toBe('after');
    expect(loads).toEqual([1, 1]);
    // A load nothing overtook is kept.
    expect(await get(1, 'after')).toBe('after');
    expect(loads).toEqual([1, 1]);
  });

  it('makes one load of a key that many lookups miss at once, and none that a change overtook is joined', async () => {
    let release!: () => void;
    const slowLoad = (value: string) => async () => {
      loads.push(1);
      await new Promise<void>((r) => (release = r));
      return value;
    };
    const together = [cache.get({ id: 1 }, slowLoad('first')), cache.get({ id: 1 }, slowLoad('second')), cache.get({ id: 1 }, slowLoad('third'))];
    await Promise.resolve();
    release();
    expect(await Promise.all(together)).toEqual(['first', 'first', 'first']);
    expect(loads).toEqual([1]);

    // A lookup after a change starts its own load, even while an older one is under way.
    clock.ms += 30_001;
    const before = cache.get({ id: 1 }, slowLoad('before the change'));
    await Promise.resolve();
    const releaseBefore = release;
    feed.subscriber!.changed('#1');
    const after = cache.get({ id: 1 }, slowLoad('after the change'));
    await Promise.resolve();
    releaseBefore();
    release();
    expect(await before).toBe('before the change');
    expect(await after).toBe('after the change');
    expect(loads).toEqual([1, 1, 1]);
    expect(await get(1)).toBe('after the change');
  });

  it('makes a load in a transaction by itself: it joins no load under way, and none joins it, and what it read is kept', async () => {
    // The load under way waits, as a load through PGlite waits for the transaction holding its one backend.
    let releasePool!: () => void;
    const throughPool = cache.get({ id: 1 }, async () => {
      loads.push(1);
      await new Promise<void>((r) => (releasePool = r));
      return 'through the pool';
    });
    await Promise.resolve();
    expect(await cache.get({ id: 1 }, async () => {
      loads.push(2);
      return 'in the transaction';
    }, { inTransaction: true })).toBe('in the transaction');
    expect(loads).toEqual([1, 2]);
    expect(cache.peek({ id: 1 })).toEqual({ value: 'in the transaction' });
    releasePool();
    expect(await throughPool).toBe('through the pool');

    // A lookup that misses while a load in a transaction is under way makes its own.
    clock.ms += 30_001;
    let releaseTransaction!: () => void;
    const inTransaction = cache.get({ id: 1 }, async () => {
      loads.push(3);
      await new Promise<void>((r) => (releaseTransaction = r));
      return 'in the transaction';
    }, { inTransaction: true });
    await Promise.resolve();
    expect(await get(1, 'through the pool')).toBe('through the pool');
    releaseTransaction();
    expect(await inTransaction).toBe('in the transaction');
    expect(loads).toEqual([1, 2, 3, 1]);
    expect([cache.hits, cache.misses]).toEqual([1, 4]);
  });
});
