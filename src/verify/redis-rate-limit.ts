/**
 * Rate-limit counters shared by every node through Redis. One Lua script checks and increments all of a
 * request's buckets atomically, in one round trip. If Redis cannot answer within the command timeout, the
 * node counts in memory instead (and says so in the log), and keeps counting locally for a second before it
 * asks Redis again, so a hung Redis costs one timeout a second rather than one per request: a rate limiter
 * must not turn a Redis outage into an API outage.
 */
import { Redis } from 'ioredis';
import type { RateBucket } from './entry.js';
import { type RateLimitOutcome, type RateLimitStore, MemoryRateLimitStore, summarize, windowStart } from './rate-limit.js';

/**
 * KEYS: one counter per bucket and window. ARGV[1]: '1' for a dry run; then per bucket its limit and the
 * counter's time to live in ms. Returns {allowed, count1, count2, …} (counts after incrementing if allowed).
 */
const CONSUME_SCRIPT = `
local dry = ARGV[1] == '1'
local result = {1}
for i = 1, #KEYS do
  local count = tonumber(redis.call('GET', KEYS[i]) or '0')
  result[i + 1] = count
  if count >= tonumber(ARGV[i * 2]) then result[1] = 0 end
end
if result[1] == 1 and not dry then
  for i = 1, #KEYS do
    result[i + 1] = redis.call('INCR', KEYS[i])
    if result[i + 1] == 1 then redis.call('PEXPIRE', KEYS[i], ARGV[i * 2 + 1]) end
  end
end
return result
`;

const LOCAL_AFTER_FAILURE_MS = 1_000;

type ScriptedRedis = Redis & { sidekeyConsume(numKeys: number, ...args: (string | number)[]): Promise<number[]> };

export interface RedisRateLimitOptions {
  url: string;
  /** Prepended to every key, so deployments (and test runs) sharing one Redis never collide. */
  keyPrefix: string;
  /** How long a request may wait for Redis before this node counts locally. */
  commandTimeoutMs?: number;
  onError?: (error: unknown) => void;
}

export class RedisRateLimitStore implements RateLimitStore {
  private readonly redis: ScriptedRedis;
  private readonly fallback = new MemoryRateLimitStore();
  private lastErrorReport = 0;
  /** Until then (epoch ms) requests are counted locally without asking Redis. */
  private localUntil = 0;

  constructor(private readonly options: RedisRateLimitOptions) {
    this.redis = new Redis(options.url, {
      // Fail fast rather than queue: a queued rate-limit check is a stalled API request.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 1_000,
      commandTimeout: options.commandTimeoutMs ?? 250,
      lazyConnect: false,
    }) as ScriptedRedis;
    this.redis.defineCommand('sidekeyConsume', { lua: CONSUME_SCRIPT });
    this.redis.on('error', (error) => this.report(error));
  }

  /**
   * Resolves true once connected, or false after `timeoutMs` (start-up waits so the first requests count in
   * Redis, but never longer: meanwhile this node counts locally, and switches to Redis when it answers).
   */
  async ready(timeoutMs: number): Promise<boolean> {
    if (this.redis.status === 'ready') return true;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.redis.once('ready', () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** Connected, and the last command did not fail (false while counting locally). */
  get healthy(): boolean {
    return this.redis.status === 'ready' && Date.now() >= this.localUntil;
  }

  consume(buckets: readonly RateBucket[], now: number, dryRun = false): Promise<RateLimitOutcome> | RateLimitOutcome {
    if (this.redis.status !== 'ready' || Date.now() < this.localUntil) return this.fallback.consume(buckets, now, dryRun);
    const args: (string | number)[] = [];
    // The hash tag {tokenId} keeps a token's counters in one Redis Cluster slot, so one script may touch them all.
    for (const bucket of buckets) args.push(`${this.options.keyPrefix}rl:{${bucket.tokenId}}:${bucket.key}:${windowStart(now, bucket.windowSeconds)}`);
    args.push(dryRun ? '1' : '0');
    for (const bucket of buckets) args.push(bucket.limit, windowStart(now, bucket.windowSeconds) + bucket.windowSeconds * 1000 - now + 1000);
    const held = buckets.slice(); // the caller may reuse its array once this returns
    return this.redis.sidekeyConsume(held.length, ...args).then(
      ([allowed, ...counts]) => summarize(held, counts, allowed === 1, now),
      (error) => {
        this.localUntil = Date.now() + LOCAL_AFTER_FAILURE_MS;
        this.report(error);
        return this.fallback.consume(held, now, dryRun);
      },
    );
  }

  private report(error: unknown): void {
    const now = Date.now();
    if (now - this.lastErrorReport < 60_000) return;
    this.lastErrorReport = now;
    this.options.onError?.(error);
  }

  async close(): Promise<void> {
    await this.fallback.close();
    this.redis.disconnect();
  }
}
