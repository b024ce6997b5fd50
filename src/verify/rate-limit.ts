/**
 * Rate limits: fixed windows aligned to the epoch (an hourly limit resets on the hour, on every node alike),
 * one counter per bucket — the token's own limit, plus a scope's when the catalog declares one. A request is
 * counted only if every bucket still has room, so a refused request costs nothing.
 *
 * One node counts in memory; several nodes share counters in Redis (redis-rate-limit.ts).
 */
import type { RateLimitState } from '../domain/verification-answers.js';
import type { RateBucket } from './entry.js';

export interface RateLimitOutcome extends RateLimitState {
  allowed: boolean;
  /** Seconds until every exhausted bucket has room again (Retry-After); 0 when allowed. */
  retryAfter: number;
}

export interface RateLimitStore {
  /**
   * Counts one request against all `buckets` if each has room (`dryRun`: only reports, for answers that are
   * refused before the limit, such as a 403). Synchronous when the counters are local.
   */
  consume(buckets: readonly RateBucket[], now: number, dryRun?: boolean): RateLimitOutcome | Promise<RateLimitOutcome>;
  close(): Promise<void>;
}

export const windowStart = (now: number, windowSeconds: number) => now - (now % (windowSeconds * 1000));

/** Seconds left in the current window, at least 1 so a client never reads "retry after 0". */
export const secondsUntilReset = (now: number, windowSeconds: number) => Math.max(1, Math.ceil((windowStart(now, windowSeconds) + windowSeconds * 1000 - now) / 1000));

/** From the buckets' counts (after counting, if allowed): the outcome the headers report. */
export function summarize(buckets: readonly RateBucket[], counts: readonly number[], allowed: boolean, now: number): RateLimitOutcome {
  let reported = 0;
  let retryAfter = 0;
  for (let i = 0; i < buckets.length; i++) {
    const bucket = buckets[i];
    const remaining = bucket.limit - counts[i];
    if (remaining < buckets[reported].limit - counts[reported]) reported = i;
    if (!allowed && remaining <= 0) retryAfter = Math.max(retryAfter, secondsUntilReset(now, bucket.windowSeconds));
  }
  const bucket = buckets[reported];
  return {
    allowed,
    limit: bucket.limit,
    remaining: Math.max(0, bucket.limit - counts[reported]),
    reset: secondsUntilReset(now, bucket.windowSeconds),
    retryAfter,
  };
}

/** A counter and the window it counts for: window number (time / window length) and length, small integers. */
interface Window {
  index: number;
  seconds: number;
  count: number;
}

const SWEEP_INTERVAL_MS = 60_000;

/** Counters in this process: exact for one node; with several nodes each counts only its own share. */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly windows = new Map<string, Window>();
  private readonly counts: number[] = [];
  private readonly sweeper: NodeJS.Timeout;

  constructor() {
    // Windows that have ended are forgotten, so idle tokens do not hold memory.
    this.sweeper = setInterval(() => this.sweep(Date.now()), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  consume(buckets: readonly RateBucket[], now: number, dryRun = false): RateLimitOutcome {
    let allowed = true;
    const counts = this.counts;
    counts.length = buckets.length;
    for (let i = 0; i < buckets.length; i++) {
      const window = this.windowFor(buckets[i], now);
      counts[i] = window.count;
      if (window.count >= buckets[i].limit) allowed = false;
    }
    if (allowed && !dryRun) {
      for (let i = 0; i < buckets.length; i++) counts[i] = ++this.windowFor(buckets[i], now).count;
    }
    return summarize(buckets, counts, allowed, now);
  }

  private windowFor(bucket: RateBucket, now: number): Window {
    const index = Math.floor(now / (bucket.windowSeconds * 1000));
    let window = this.windows.get(bucket.key);
    if (window === undefined) {
      window = { index, seconds: bucket.windowSeconds, count: 0 };
      this.windows.set(bucket.key, window);
    } else if (window.index !== index || window.seconds !== bucket.windowSeconds) {
      // A new window, or the rule's window length changed since: start over in place (no allocation).
      window.index = index;
      window.seconds = bucket.windowSeconds;
      window.count = 0;
    }
    return window;
  }

  sweep(now: number): void {
    for (const [key, window] of this.windows) if (now >= (window.index + 1) * window.seconds * 1000) this.windows.delete(key);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }
}
