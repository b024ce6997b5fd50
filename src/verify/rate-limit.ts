/**
 * Rate limits: fixed windows aligned to the epoch (an hourly limit resets on the hour, on every node alike),
 * one counter per bucket — the token's own limit, plus a scope's when the catalog declares one. A request is
 * counted only if every bucket still has room, so a refused request costs nothing.
 *
 * One node counts in memory; several nodes share counters in Redis (redis-rate-limit.ts).
 */
import type { NowOrLater } from '../domain/now-or-later.js';
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
   * refused before the limit, such as a 403). Synchronous when the counters are local. `buckets` is read during
   * the call only (a store that answers later keeps a copy): the caller may reuse the array for its next request.
   */
  consume(buckets: readonly RateBucket[], now: number, dryRun?: boolean): NowOrLater<RateLimitOutcome>;
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

/**
 * The counters of every bucket with one window length. Windows are aligned to the epoch, so all of them start and
 * end together: one window number for the lot, and a count per bucket key (a small integer, kept inside the map).
 */
interface Windows {
  index: number;
  counts: Map<string, number>;
}

const SWEEP_INTERVAL_MS = 60_000;

/** Counters in this process: exact for one node; with several nodes each counts only its own share. */
export class MemoryRateLimitStore implements RateLimitStore {
  /** By window length in seconds. */
  private readonly byLength = new Map<number, Windows>();
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
      const bucket = buckets[i];
      counts[i] = this.windowsFor(bucket.windowSeconds, now).counts.get(bucket.key) ?? 0;
      if (counts[i] >= bucket.limit) allowed = false;
    }
    if (allowed && !dryRun) {
      for (let i = 0; i < buckets.length; i++) {
        const { key, windowSeconds } = buckets[i];
        const windows = this.windowsFor(windowSeconds, now).counts;
        const count = (windows.get(key) ?? 0) + 1;
        windows.set(key, count);
        counts[i] = count;
      }
    }
    return summarize(buckets, counts, allowed, now);
  }

  /** The counters of the window `now` falls in: a new window (or a clock moved back) starts them all over. */
  private windowsFor(seconds: number, now: number): Windows {
    const index = Math.floor(now / (seconds * 1000));
    let windows = this.byLength.get(seconds);
    if (windows === undefined) {
      windows = { index, counts: new Map() };
      this.byLength.set(seconds, windows);
    } else if (windows.index !== index) {
      windows.index = index;
      windows.counts.clear();
    }
    return windows;
  }

  sweep(now: number): void {
    for (const [seconds, windows] of this.byLength) if (now >= (windows.index + 1) * seconds * 1000) this.byLength.delete(seconds);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }
}
