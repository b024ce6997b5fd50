/**
 * Follows the change log for this node: every `pollIntervalMs`, and at once when woken (PostgreSQL NOTIFY, a
 * Redis message, a reconnect), it reads the rows past the last sequence it applied, hands each change to the
 * feed, and confirms the node's freshness as of the moment the poll began. On SQLite a poll first asks `PRAGMA
 * data_version`, which changes only when another connection committed, so an idle poll reads no rows.
 *
 * A failed poll confirms nothing, and the node's freshness runs out by itself: the tailer needs no notion of
 * "link down". It never runs two polls at once; the store's deadlines bound each one. Once in a while a poll
 * also prunes rows older than the retention, so whichever node polls keeps the log short.
 */
import { sql } from 'kysely';
import type { Store } from '../store/database.js';
import type { ChangeFeed } from './feed.js';
import type { Freshness } from './freshness.js';
import type { ChangeLog } from './log.js';

const PAGE = 500;
export const DEFAULT_RETENTION_MS = 60 * 60_000;
const PRUNE_EVERY_MS = 60_000;

export interface ChangeTailerOptions {
  store: Pick<Store, 'db' | 'dialect'>;
  log: Pick<ChangeLog, 'after' | 'latest' | 'prune'>;
  feed: Pick<ChangeFeed, 'deliverLocally'>;
  freshness: Freshness;
  /** The verifier's clock: freshness is compared with it on every verification. */
  now: () => number;
  pollIntervalMs: number;
  /** How long rows are kept. A node that was not current for half of it may have missed pruned rows. */
  retentionMs?: number;
  /** How often this node prunes (default once a minute, first at a random moment within it). */
  pruneEveryMs?: number;
  /** A poll failed (the first of a run of failures; the next success calls onRecovered). */
  onError?: (error: unknown) => void;
  onRecovered?: () => void;
}

export class ChangeTailer {
  private lastSeq = 0;
  private dataVersion: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<void> | undefined;
  private again = false;
  private closed = false;
  private failing = false;
  /** Real time of the last successful poll (the retention is real time, whatever clock the verifier uses). */
  private lastSuccess = Date.now();
  private nextPruneAt: number;
  private readonly retentionMs: number;
  private readonly pruneEveryMs: number;

  constructor(private readonly o: ChangeTailerOptions) {
    this.retentionMs = o.retentionMs ?? DEFAULT_RETENTION_MS;
    this.pruneEveryMs = o.pruneEveryMs ?? PRUNE_EVERY_MS;
    this.nextPruneAt = Date.now() + Math.random() * this.pruneEveryMs;
  }

  /** The last sequence applied. */
  get sequence(): number {
    return this.lastSeq;
  }

  /** A node starts with an empty cache: it begins at the log's end, current as of now. */
  async start(): Promise<void> {
    const startedAt = this.o.now();
    if (this.o.store.dialect === 'sqlite') this.dataVersion = await this.readDataVersion();
    this.lastSeq = await this.o.log.latest(this.o.store.db);
    this.lastSuccess = Date.now();
    this.o.freshness.confirm(startedAt);
    this.schedule();
  }

  /** Polls now (or right after the poll in progress). */
  wake(): void {
    if (this.closed) return;
    if (this.current) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    void this.run();
  }

  /** Polls once more and resolves when that poll is done (for callers that must be current before they go on). */
  async poll(): Promise<void> {
    while (this.current) await this.current;
    clearTimeout(this.timer);
    await this.run();
  }

  private schedule(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.run(), this.o.pollIntervalMs);
    this.timer.unref();
  }

  private run(): Promise<void> {
    this.current = this.pollOnce().finally(() => {
      this.current = undefined;
      if (this.again && !this.closed) {
        this.again = false;
        void this.run();
      } else this.schedule();
    });
    return this.current;
  }

  private async pollOnce(): Promise<void> {
    try {
      await this.catchUp();
      if (this.failing) {
        this.failing = false;
        this.o.onRecovered?.();
      }
    } catch (error) {
      if (!this.failing) {
        this.failing = true;
        this.o.onError?.(error);
      }
    }
  }

  private async catchUp(): Promise<void> {
    const startedAt = this.o.now();
    const realStart = Date.now();
    const db = this.o.store.db;
    const version = this.o.store.dialect === 'sqlite' ? await this.readDataVersion() : undefined;
    if (version === undefined || version !== this.dataVersion) {
      const missedPrunedRows = realStart - this.lastSuccess > this.retentionMs / 2;
      for (;;) {
        const rows = await this.o.log.after(db, this.lastSeq, PAGE);
        for (const row of rows) {
          this.o.feed.deliverLocally(row.change);
          this.lastSeq = row.seq;
        }
        if (rows.length < PAGE) break;
      }
      if (missedPrunedRows) this.o.feed.deliverLocally({ kind: 'all' });
      this.dataVersion = version;
    }
    this.lastSuccess = realStart;
    this.o.freshness.confirm(startedAt);
    if (realStart >= this.nextPruneAt) {
      this.nextPruneAt = realStart + this.pruneEveryMs;
      await this.o.log.prune(db, realStart - this.retentionMs).catch((error) => this.o.onError?.(error));
    }
  }

  private async readDataVersion(): Promise<number> {
    const { rows } = await sql<{ data_version: number }>`pragma data_version`.execute(this.o.store.db);
    return Number(rows[0].data_version);
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
  }
}
