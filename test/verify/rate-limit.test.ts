import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { MemoryRateLimitStore, type RateLimitStore, secondsUntilReset } from '../../src/verify/rate-limit.js';
import { RedisRateLimitStore } from '../../src/verify/redis-rate-limit.js';
import type { RateBucket } from '../../src/verify/entry.js';
import { REDIS_URL, deleteRedisKeys, uniqueRedisPrefix } from './helpers.js';

const HOUR = Date.parse('2026-07-01T12:00:00Z');
const token: RateBucket = { key: 'tok_1', tokenId: 'tok_1', limit: 3, windowSeconds: 3600 };
const exportScope: RateBucket = { key: 'tok_1:exportReport', tokenId: 'tok_1', limit: 2, windowSeconds: 86_400 };

/** The same behaviour, whoever keeps the counters. */
function behavesAsARateLimiter(name: string, makeStores: () => Promise<[RateLimitStore, RateLimitStore]>) {
  describe(name, () => {
    const opened: RateLimitStore[] = [];
    const stores = async () => {
      const pair = await makeStores();
      opened.push(...pair);
      return pair;
    };
    afterAll(async () => {
      for (const store of opened) await store.close();
    });

    it('counts down the token limit within a window and refuses when it is spent, with Retry-After', async () => {
      const [store] = await stores();
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await store.consume([token], HOUR + 1000 * i));
      expect(answers.map((a) => [a.allowed, a.remaining])).toEqual([[true, 2], [true, 1], [true, 0], [false, 0]]);
      expect(answers[0]).toMatchObject({ limit: 3, reset: 3600 });
      expect(answers[3].retryAfter).toBe(3597);
      // The next hour starts a new window.
      expect(await store.consume([token], HOUR + 3600_000)).toMatchObject({ allowed: true, remaining: 2, reset: 3600 });
    });

    it('a scope limit is counted alongside the token limit, and reported when it is the tighter one', async () => {
      const [store] = await stores();
      const buckets = [{ ...token, limit: 100 }, exportScope];
      expect(await store.consume(buckets, HOUR)).toMatchObject({ allowed: true, limit: 2, remaining: 1, reset: 43_200 });
      expect(await store.consume(buckets, HOUR)).toMatchObject({ allowed: true, limit: 2, remaining: 0 });
      const refused = await store.consume(buckets, HOUR);
      expect(refused).toMatchObject({ allowed: false, limit: 2, remaining: 0, retryAfter: 43_200 });
      // The refused request was not counted against the token's own limit either.
      expect(await store.consume([{ ...token, limit: 100 }], HOUR)).toMatchObject({ remaining: 97 });
    });

    it('a dry run reports without counting (answers refused before the limit)', async () => {
      const [store] = await stores();
      const bucket = { ...token, key: 'tok_dry', tokenId: 'tok_dry' };
      expect(await store.consume([bucket], HOUR, true)).toMatchObject({ allowed: true, remaining: 3 });
      expect(await store.consume([bucket], HOUR)).toMatchObject({ remaining: 2 });
    });

    it('two stores (two nodes) on one backend share counters only when the backend is shared', async () => {
      const [a, b] = await stores();
      const bucket = { ...token, key: 'tok_shared', tokenId: 'tok_shared' };
      await a.consume([bucket], HOUR);
      await a.consume([bucket], HOUR);
      const fromB = await b.consume([bucket], HOUR);
      expect(fromB.remaining).toBe(name.startsWith('memory') ? 2 : 0);
    });
  });
}

behavesAsARateLimiter('memory rate limits (one node each)', async () => [new MemoryRateLimitStore(), new MemoryRateLimitStore()]);

const redisPrefixes: string[] = [];
afterAll(async () => {
  for (const prefix of redisPrefixes) await deleteRedisKeys(prefix);
});

behavesAsARateLimiter('Redis rate limits (shared by nodes)', async () => {
  const keyPrefix = uniqueRedisPrefix('rl');
  redisPrefixes.push(keyPrefix);
  const a = new RedisRateLimitStore({ url: REDIS_URL, keyPrefix });
  const b = new RedisRateLimitStore({ url: REDIS_URL, keyPrefix });
  expect(await Promise.all([a.ready(5_000), b.ready(5_000)])).toEqual([true, true]);
  return [a, b];
});

describe('Redis rate limits when Redis is gone', () => {
  it('counts on this node instead of failing the request, and reports the outage once', async () => {
    const errors: unknown[] = [];
    const store = new RedisRateLimitStore({ url: 'redis://127.0.0.1:1', keyPrefix: uniqueRedisPrefix('down'), onError: (e) => errors.push(e) });
    await new Promise((r) => setTimeout(r, 100));
    expect(await store.consume([token], HOUR)).toMatchObject({ allowed: true, remaining: 2 });
    expect(await store.consume([token], HOUR)).toMatchObject({ allowed: true, remaining: 1 });
    await store.close();
    expect(errors.length).toBe(1);
  });

  it('keys expire with their window and carry the configured prefix', async () => {
    const keyPrefix = uniqueRedisPrefix('ttl');
    const store = new RedisRateLimitStore({ url: REDIS_URL, keyPrefix });
    expect(await store.ready(5_000)).toBe(true);
    const now = Date.now();
    await store.consume([{ key: 'tok_ttl', tokenId: 'tok_ttl', limit: 5, windowSeconds: 60 }], now);
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${keyPrefix}*`);
    expect(keys).toHaveLength(1);
    const ttl = await redis.pttl(keys[0]);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(61_000);
    await redis.quit();
    await store.close();
    await deleteRedisKeys(keyPrefix);
  });
});

describe('secondsUntilReset', () => {
  it('is whole seconds to the end of the aligned window, never 0', () => {
    expect(secondsUntilReset(HOUR, 3600)).toBe(3600);
    expect(secondsUntilReset(HOUR + 3599_500, 3600)).toBe(1);
    expect(secondsUntilReset(HOUR + 1, 3600)).toBe(3600);
  });
});
