/**
 * Usage off the hot path: verifications only bump counters in memory; a timer writes them in one batch
 * (last used time and IP per token, and per token per UTC day a count per answer code), and close() writes
 * what is left. A failed write keeps its data for the next attempt.
 */
import type { Store } from '../store/database.js';
import type { VerificationCode } from '../domain/verification-answers.js';
import { type LastUse, type UsageCount, recordLastUsedBatch, recordUsageBatch } from './repository.js';

const DAY_MS = 86_400_000;
const SEPARATOR = '\u0000';

export interface UsageRecorderOptions {
  store: Store;
  flushIntervalMs?: number;
  onError?: (error: unknown) => void;
}

export class UsageRecorder {
  private counts = new Map<string, number>();
  /** Today's ALLOWED counts by token: the common case, kept apart so it needs no composite key. */
  private allowedToday = new Map<string, number>();
  /**
   * Whether `counts` may hold ALLOWED counts too (after a day's roll-over, a `pending` read or a failed write):
   * then a write merges today's into it by key, so that no (token, day, code) is written twice in one statement.
   */
  private allowedInCounts = false;
  private lastUses = new Map<string, LastUse>();
  private day = '';
  private dayEnds = 0;
  private flushing: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;
  private closed = false;
  /** When the last write succeeded (or found nothing to write), epoch ms; the recorder's creation before the first. */
  lastFlushedAt = Date.now();
  /** Writes that failed since start (their data was kept for the next one). */
  failedFlushes = 0;

  constructor(private readonly options: UsageRecorderOptions) {
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 5_000);
    this.timer.unref();
  }

  /** One answer for a token: 'ALLOWED' or the denial code. */
  count(tokenId: string, code: VerificationCode, now: number): void {
    if (now >= this.dayEnds || now < this.dayEnds - DAY_MS) this.rollDay(now);
    if (code === 'ALLOWED') {
      this.allowedToday.set(tokenId, (this.allowedToday.get(tokenId) ?? 0) + 1);
      return;
    }
    this.add(this.counts, this.day, code, tokenId, 1);
  }

  private add(counts: Map<string, number>, day: string, code: string, tokenId: string, count: number): void {
    const key = day + SEPARATOR + code + SEPARATOR + tokenId;
    counts.set(key, (counts.get(key) ?? 0) + count);
  }

  /**
   * Moves the ALLOWED counts of `this.day` into the general map (at a day boundary, and before a write whose
   * general map may hold ALLOWED counts of its own).
   */
  private settleAllowed(): void {
    if (this.allowedToday.size > 0) this.allowedInCounts = true;
    for (const [tokenId, count] of this.allowedToday) this.add(this.counts, this.day, 'ALLOWED', tokenId, count);
    this.allowedToday.clear();
  }

  /**
   * An authenticated request (the secret matched): the token's "last used" time and address, kept as the row
   * the write will send (one object per token used since the last write).
   */
  markUsed(tokenId: string, now: number, ip: string | undefined): void {
    const last = this.lastUses.get(tokenId);
    if (last === undefined) this.lastUses.set(tokenId, { tokenId, at: now, ip: ip ?? null });
    else if (now >= last.at) {
      last.at = now;
      last.ip = ip ?? null;
    }
  }

  private rollDay(now: number): void {
    this.settleAllowed();
    const start = now - (now % DAY_MS);
    this.day = new Date(start).toISOString().slice(0, 10);
    this.dayEnds = start + DAY_MS;
  }

  get pending(): { counters: number; lastUses: number } {
    this.settleAllowed();
    return { counters: this.counts.size, lastUses: this.lastUses.size };
  }

  /** Writes everything gathered so far in one transaction; concurrent calls share one write. */
  flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async write(): Promise<void> {
    if (this.counts.size === 0 && this.allowedToday.size === 0 && this.lastUses.size === 0) {
      this.lastFlushedAt = Date.now();
      return;
    }
    if (this.allowedInCounts) this.settleAllowed();
    const { counts, allowedToday, lastUses, day } = this;
    this.allowedInCounts = false;
    this.counts = new Map();
    this.allowedToday = new Map();
    this.lastUses = new Map();
    // Today's ALLOWED counts go straight into rows, without the composite key of the general map.
    const usageRows: UsageCount[] = [];
    allowedToday.forEach((count, tokenId) => {
      usageRows.push({ tokenId, day, code: 'ALLOWED', count });
    });
    counts.forEach((count, key) => {
      const [keyDay, code, tokenId] = key.split(SEPARATOR);
      usageRows.push({ tokenId, day: keyDay, code, count });
    });
    const lastUsedRows = Array.from(lastUses.values());
    try {
      await this.options.store.db.transaction().execute(async (trx) => {
        await recordLastUsedBatch(trx, lastUsedRows);
        await recordUsageBatch(trx, usageRows);
      });
      this.lastFlushedAt = Date.now();
    } catch (error) {
      this.failedFlushes += 1;
      for (const [tokenId, count] of allowedToday) this.add(counts, day, 'ALLOWED', tokenId, count);
      this.restore(counts, lastUses);
      this.options.onError?.(error);
    }
  }

  /** Puts a failed batch back, merged with what arrived meanwhile. */
  private restore(counts: Map<string, number>, lastUses: Map<string, LastUse>): void {
    this.allowedInCounts = true;
    for (const [key, count] of counts) this.counts.set(key, (this.counts.get(key) ?? 0) + count);
    for (const [tokenId, last] of lastUses) {
      const newer = this.lastUses.get(tokenId);
      if (!newer || newer.at < last.at) this.lastUses.set(tokenId, last);
    }
  }

  /** Stops the timer and writes the rest: called before the store closes. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    await this.flush();
    await this.flush(); // anything counted while the previous write was in flight
  }
}
