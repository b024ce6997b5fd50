/**
 * The verifier's in-process cache, keyed by Account SID. Bounded (least recently used goes first), with
 * negative entries for unknown SIDs kept apart so guessed SIDs cannot push real tokens out, and a safety TTL.
 * Changes from the ChangeFeed drop entries: a token's own, an account's (every entry of an account carries the
 * account's mark in its grant, and a dropped mark makes all of them misses at once: no index of SIDs per account), or
 * everything. Whether the cache may be trusted at all is the verifier's question (the node's freshness).
 */
import type { Change } from '../changes/feed.js';
import type { AccountMark, CacheEntry, CachedToken, NegativeEntry } from './entry.js';

/** A Map used as an LRU list: insertion order is recency order, so a hit re-inserts its key at the end. */
export class LruMap<V> {
  private readonly map = new Map<string, V>();
  constructor(
    private readonly maxSize: number,
    private readonly onEvict: (key: string, value: V) => void = () => {},
  ) {}

  get size(): number {
    return this.map.size;
  }

  get(key: string): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) this.touch(key, value);
    return value;
  }

  /** Reads without changing the order. */
  peek(key: string): V | undefined {
    return this.map.get(key);
  }

  /** Marks a key most recently used. */
  touch(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
  }

  set(key: string, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.maxSize) {
      const oldest = this.map.keys().next().value as string;
      const evicted = this.map.get(oldest)!;
      this.map.delete(oldest);
      this.onEvict(oldest, evicted);
    }
  }

  /** In LRU order, least recent first. */
  values(): IterableIterator<V> {
    return this.map.values();
  }

  delete(key: string): V | undefined {
    const value = this.map.get(key);
    if (value !== undefined) this.map.delete(key);
    return value;
  }

  clear(): void {
    this.map.clear();
  }
}

export interface TokenCacheOptions {
  maxEntries: number;
  maxNegativeEntries: number;
  /** Safety TTL of a token entry: reloaded after this even if no change was heard. */
  ttlMs: number;
  negativeTtlMs: number;
}

export const DEFAULT_CACHE_OPTIONS: TokenCacheOptions = {
  maxEntries: 200_000,
  maxNegativeEntries: 20_000,
  ttlMs: 5 * 60_000,
  negativeTtlMs: 60_000,
};

const TOUCH_INTERVAL_MS = 1_000;
const EPOCH_SPAN_MS = 2 ** 30;

export class TokenCache {
  private readonly tokens: LruMap<CachedToken>;
  private readonly unknown: LruMap<NegativeEntry>;
  /** The current mark of each account with entries here (one object per account, shared by its entries' grants). */
  private readonly accounts = new Map<string, AccountMark>();
  /**
   * Entry times are kept relative to an epoch of this cache (ms since then), as whole numbers below 2^30: such
   * small integers live inside the entry, while a full epoch timestamp or a fraction would be a separately
   * allocated number — for each of a million entries. When the clock gets that far past the epoch (every twelve
   * days) the epoch moves to now and every entry's times move with it; a clock set back that far empties the
   * cache instead (no entry outlives its TTL because the clock went back).
   */
  private epoch: number | undefined;
  private since(nowMs: number): number {
    this.epoch ??= Math.floor(nowMs);
    const elapsed = Math.floor(nowMs) - this.epoch;
    // `| 0` makes the number a small integer in V8's eyes too: a difference of two timestamps is a heap number
    // even when it is whole, and one such number stored in an entry makes the field a boxed double in all of them.
    if (elapsed < EPOCH_SPAN_MS && elapsed > -EPOCH_SPAN_MS) return elapsed | 0;
    this.epoch += elapsed;
    if (elapsed < 0) this.clear();
    for (const entries of [this.tokens, this.unknown] as LruMap<CacheEntry>[]) {
      for (const entry of entries.values()) {
        // Clamped: an entry that far in the past is stale and due a touch however far back it is.
        entry.staleAt = Math.max(entry.staleAt - elapsed, -EPOCH_SPAN_MS) | 0;
        entry.touchedAt = Math.max(entry.touchedAt - elapsed, -EPOCH_SPAN_MS) | 0;
      }
    }
    return 0;
  }
  /**
   * Bumped by every invalidation. A load records the generation it started at and is cached only if no
   * invalidation happened meanwhile: otherwise a read from before a reset could be cached after it.
   */
  generation = 0;

  constructor(private readonly options: TokenCacheOptions = DEFAULT_CACHE_OPTIONS) {
    this.tokens = new LruMap<CachedToken>(options.maxEntries);
    this.unknown = new LruMap<NegativeEntry>(options.maxNegativeEntries);
  }

  get size(): { tokens: number; unknown: number } {
    return { tokens: this.tokens.size, unknown: this.unknown.size };
  }

  /**
   * The live entry for a SID, or undefined when it must be loaded (absent, past its TTL, or of an account that
   * changed since it was stored). Recency is
   * refreshed at most once a second per entry: an exact LRU order costs a Map delete and insert on every hit.
   */
  get(accountSid: string, nowMs: number): CacheEntry | undefined {
    const now = this.since(nowMs);
    const token = this.tokens.peek(accountSid);
    const entry = token ?? this.unknown.peek(accountSid);
    if (entry === undefined) return undefined;
    if (now >= entry.staleAt || token?.grant.account.dropped) {
      this.remove(accountSid);
      return undefined;
    }
    if (now - entry.touchedAt >= TOUCH_INTERVAL_MS) {
      entry.touchedAt = now;
      if (token) this.tokens.touch(accountSid, token);
      else this.unknown.touch(accountSid, entry as NegativeEntry);
    }
    return entry;
  }

  /** The current mark of an account's entries, for the grants of entries about to be stored. */
  markOf(accountId: string): AccountMark {
    let mark = this.accounts.get(accountId);
    if (mark === undefined) {
      mark = { dropped: false };
      this.accounts.set(accountId, mark);
    }
    return mark;
  }

  /**
   * Stores a loaded entry unless an invalidation arrived since `loadedAtGeneration` (or, the same, its grant
   * holds a dropped account mark); true when stored.
   */
  set(entry: CacheEntry, nowMs: number, loadedAtGeneration: number): boolean {
    if (loadedAtGeneration !== this.generation || (!entry.negative && entry.grant.account.dropped)) return false;
    const now = this.since(nowMs);
    if (entry.negative) {
      entry.staleAt = now + this.options.negativeTtlMs;
      entry.touchedAt = now;
      this.unknown.set(entry.accountSid, entry);
      return true;
    }
    entry.staleAt = now + this.options.ttlMs;
    entry.touchedAt = now;
    const { accountSid } = entry;
    this.unknown.delete(accountSid);
    this.tokens.set(accountSid, entry);
    return true;
  }

  /** Applies a change from the ChangeFeed: synchronously, so the caller's mutation returns after it. */
  invalidate(change: Change): void {
    this.generation++;
    switch (change.kind) {
      case 'token':
        this.remove(change.accountSid);
        return;
      case 'account': {
        // Its entries stay in the LRU order until they are read (then dropped) or evicted, but none is served again.
        const mark = this.accounts.get(change.accountId);
        if (mark) mark.dropped = true;
        this.accounts.delete(change.accountId);
        return;
      }
      case 'all':
        this.clear();
        return;
    }
  }

  private remove(accountSid: string): void {
    this.tokens.delete(accountSid);
    this.unknown.delete(accountSid);
  }

  private clear(): void {
    this.tokens.clear();
    this.unknown.clear();
    for (const mark of this.accounts.values()) mark.dropped = true;
    this.accounts.clear();
  }
}
