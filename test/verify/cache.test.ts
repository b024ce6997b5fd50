import { describe, expect, it } from 'vitest';
import { LruMap, TokenCache, DEFAULT_CACHE_OPTIONS } from '../../src/verify/cache.js';
import { negativeEntry, type CachedToken } from '../../src/verify/entry.js';

/** What the cache reads of an entry, for an account of `cache`. */
const token = (cache: TokenCache, accountSid: string, accountId = 'acc_1') =>
  ({ negative: false, accountSid, accountId, grant: { accountId, account: cache.markOf(accountId) }, id: `tok_${accountSid}`, staleAt: 0, touchedAt: 0 }) as unknown as CachedToken;

describe('LruMap', () => {
  it('evicts the least recently used key, where a read counts as a use', () => {
    const evicted: string[] = [];
    const lru = new LruMap<number>(2, (key) => evicted.push(key));
    lru.set('a', 1);
    lru.set('b', 2);
    lru.get('a');
    lru.set('c', 3);
    expect(evicted).toEqual(['b']);
    expect(lru.get('a')).toBe(1);
    expect(lru.size).toBe(2);
  });
});

describe('TokenCache', () => {
  const options = { ...DEFAULT_CACHE_OPTIONS, maxEntries: 3, maxNegativeEntries: 2, ttlMs: 1000, negativeTtlMs: 100 };

  it('serves entries until their safety TTL, then asks for a reload', () => {
    const cache = new TokenCache(options);
    cache.set(token(cache, 'IR1'), 0, cache.generation);
    expect(cache.get('IR1', 999)).toBeDefined();
    expect(cache.get('IR1', 1000)).toBeUndefined();
  });

  it('a hit refreshes recency at most once a second per entry: within that second it does not save the entry from eviction', () => {
    const small = { ...options, maxEntries: 2, ttlMs: 60_000 };
    const unmoved = new TokenCache(small);
    unmoved.set(token(unmoved, 'IR1'), 0, unmoved.generation);
    unmoved.set(token(unmoved, 'IR2'), 0, unmoved.generation);
    expect(unmoved.get('IR1', 999)).toBeDefined();
    unmoved.set(token(unmoved, 'IR3'), 999, unmoved.generation);
    expect([unmoved.get('IR1', 999), unmoved.get('IR2', 999)].map((e) => e?.accountSid)).toEqual([undefined, 'IR2']);

    const moved = new TokenCache(small);
    moved.set(token(moved, 'IR1'), 0, moved.generation);
    moved.set(token(moved, 'IR2'), 0, moved.generation);
    expect(moved.get('IR1', 1000)).toBeDefined();
    moved.set(token(moved, 'IR3'), 1000, moved.generation);
    expect([moved.get('IR1', 1000), moved.get('IR2', 1000)].map((e) => e?.accountSid)).toEqual(['IR1', undefined]);
  });

  it('keeps entry times relative to the first time it saw, so they stay small integers', () => {
    const cache = new TokenCache(options);
    const now = Date.UTC(2026, 6, 1, 12);
    const entry = token(cache, 'IR1');
    cache.set(entry, now, cache.generation);
    cache.set(token(cache, 'IR2'), now + 250, cache.generation);
    expect([entry.staleAt, entry.touchedAt]).toEqual([options.ttlMs, 0]);
    expect(cache.get('IR1', now + options.ttlMs - 1)).toBe(entry);
  });

  it('keeps entry times whole numbers, even for a clock with fractions of a millisecond', () => {
    const cache = new TokenCache(options);
    const entry = token(cache, 'IR1');
    cache.set(token(cache, 'IR0'), 1000.25, cache.generation);
    cache.set(entry, 1500.75, cache.generation);
    expect([entry.staleAt, entry.touchedAt]).toEqual([500 + options.ttlMs, 500]);
  });

  it('twelve days past its epoch it moves the epoch: every entry keeps its remaining TTL and recency', () => {
    const cache = new TokenCache({ ...options, maxEntries: 2 });
    const start = Date.UTC(2026, 6, 1, 12);
    const later = start + 2 ** 30 - 400;
    cache.set(token(cache, 'IR1'), start, cache.generation);
    const [older, newer] = [token(cache, 'IR2'), token(cache, 'IR3')];
    cache.set(older, later, cache.generation);
    cache.set(newer, later + 100, cache.generation);
    expect(cache.get('IR2', start + 2 ** 30 + 500)).toBe(older); // the epoch moves here; not a second since a touch
    expect([older.staleAt, older.touchedAt, newer.staleAt, newer.touchedAt]).toEqual([100, -900, 200, -800]);
    expect(cache.get('IR3', later + 100 + options.ttlMs - 1)).toBe(newer);
    cache.set(token(cache, 'IR4'), later + 100 + options.ttlMs - 1, cache.generation);
    expect(cache.get('IR2', later + 100 + options.ttlMs - 1)).toBeUndefined(); // the least recent (its last hit came within a second of its store, so it never moved)
    expect(cache.get('IR3', later + 100 + options.ttlMs)).toBeUndefined(); // and TTLs still end on time
  });

  it('a clock set back twelve days empties it: no entry outlives its TTL because the clock went back', () => {
    const cache = new TokenCache(options);
    const now = Date.UTC(2026, 6, 1, 12);
    cache.set(token(cache, 'IR1'), now, cache.generation);
    expect(cache.get('IR1', now - 2 ** 30)).toBeUndefined();
    expect(cache.size).toEqual({ tokens: 0, unknown: 0 });
  });

  it('keeps unknown SIDs apart: a flood of them never evicts a real token', () => {
    const cache = new TokenCache(options);
    cache.set(token(cache, 'IR1'), 0, cache.generation);
    for (let i = 0; i < 100; i++) cache.set(negativeEntry(`IRguess${i}`), 0, cache.generation);
    expect(cache.get('IR1', 1)).toMatchObject({ negative: false });
    expect(cache.size).toEqual({ tokens: 1, unknown: 2 });
    expect(cache.get('IRguess99', 99)).toMatchObject({ negative: true });
    expect(cache.get('IRguess99', 100)).toBeUndefined();
  });

  it('drops a token on its change, all of an account\'s tokens on an account change, everything on "all"', () => {
    const cache = new TokenCache(options);
    for (const [sid, account] of [['IR1', 'acc_1'], ['IR2', 'acc_1'], ['IR3', 'acc_2']]) cache.set(token(cache, sid, account), 0, cache.generation);
    cache.invalidate({ kind: 'token', tokenId: 'tok_IR1', accountSid: 'IR1' });
    expect(cache.get('IR1', 1)).toBeUndefined();
    cache.set(token(cache, 'IR1', 'acc_1'), 0, cache.generation);
    cache.invalidate({ kind: 'account', accountId: 'acc_1' });
    expect([cache.get('IR1', 1), cache.get('IR2', 1), (cache.get('IR3', 1) as CachedToken | undefined)?.accountSid]).toEqual([undefined, undefined, 'IR3']);
    cache.invalidate({ kind: 'all' });
    expect(cache.size).toEqual({ tokens: 0, unknown: 0 });
  });

  it('an eviction also leaves the account index, so an account change never touches a stranger', () => {
    const cache = new TokenCache(options);
    for (const sid of ['IR1', 'IR2', 'IR3', 'IR4']) cache.set(token(cache, sid, sid === 'IR1' ? 'acc_9' : 'acc_1'), 0, cache.generation);
    expect(cache.get('IR1', 1)).toBeUndefined(); // evicted: the oldest of four in a cache of three
    cache.invalidate({ kind: 'account', accountId: 'acc_9' });
    expect(cache.size.tokens).toBe(3);
  });

  it('refuses to store a load that started before an invalidation (it may hold the old secret)', () => {
    const cache = new TokenCache(options);
    const startedAt = cache.generation;
    cache.invalidate({ kind: 'token', tokenId: 'tok_IR1', accountSid: 'IR1' });
    expect(cache.set(token(cache, 'IR1'), 0, startedAt)).toBe(false);
    expect(cache.get('IR1', 1)).toBeUndefined();
  });

  it('refuses an entry whose grant holds a dropped account mark, whatever generation it names', () => {
    const cache = new TokenCache(options);
    const made = token(cache, 'IR1', 'acc_1');
    cache.invalidate({ kind: 'account', accountId: 'acc_1' });
    expect(cache.set(made, 0, cache.generation)).toBe(false);
    expect(cache.set(token(cache, 'IR1', 'acc_1'), 0, cache.generation)).toBe(true);
  });
});
