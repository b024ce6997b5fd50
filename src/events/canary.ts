/**
 * The canary alarm: takes the uses of canary tokens from the verifier (in memory, synchronously: the hot path
 * never waits on the database) and turns them into `token.canary_used` events in the outbox, off the path, on
 * its own timer. A flood is bounded twice by the one rule of domain/canary.ts: this node takes a canary's uses
 * to the database at most once per interval (the uses in between are held as a count), and the canary's guard
 * row, locked in the same transaction as the event it allows, lets at most one event per interval through from
 * all nodes together. Every use is either shown by an event or counted in a later one's `suppressedUses`.
 */
import { CANARY_ALERT_INTERVAL_MS, type CanaryUse, alertDue, settleCanaryUses } from '../domain/canary.js';
import { canaryUsedEvent } from '../domain/lifecycle-events.js';
import { newSortableId } from '../domain/ids.js';
import type { Store } from '../store/database.js';
import { writeEvent } from './outbox.js';
import { findTokenSummary, lockCanaryGuard, saveCanaryGuard } from './repository.js';

export interface CanaryAlarmDeps {
  store: Pick<Store, 'db' | 'dialect'>;
  /** At most one event per canary per interval (default one minute). */
  intervalMs?: number;
  /** How many canaries this node tracks at once (a flood over more of them drops the uses past it, counted in `droppedUses`). */
  maxTracked?: number;
  now?: () => number;
}

/** A canary's uses on this node since they were last taken to the database. */
interface Held {
  first: CanaryUse | undefined;
  count: number;
  /** When this node last took its uses to the database (null: never). */
  lastVisitAt: number | null;
}

export class CanaryAlarm {
  private readonly held = new Map<string, Held>();
  private readonly intervalMs: number;
  private readonly maxTracked: number;
  private readonly now: () => number;
  /** Uses not held because `maxTracked` canaries were already held. */
  droppedUses = 0;

  constructor(private readonly deps: CanaryAlarmDeps) {
    this.intervalMs = deps.intervalMs ?? CANARY_ALERT_INTERVAL_MS;
    this.maxTracked = deps.maxTracked ?? 10_000;
    this.now = deps.now ?? Date.now;
  }

  /** One use, from the verifier: a Map update, nothing more. */
  report(use: CanaryUse): void {
    let held = this.held.get(use.tokenId);
    if (held === undefined) {
      if (this.held.size >= this.maxTracked) {
        this.droppedUses += 1;
        return;
      }
      held = { first: undefined, count: 0, lastVisitAt: null };
      this.held.set(use.tokenId, held);
    }
    held.first ??= use;
    held.count += 1;
  }

  /**
   * Takes to the database the uses of every canary whose interval on this node has passed (all of them when
   * `everything`, as on shutdown), and forgets canaries quiet for a whole interval. Returns the events raised.
   */
  async runOnce(options: { everything?: boolean } = {}): Promise<number> {
    const now = this.now();
    let raised = 0;
    for (const [tokenId, held] of [...this.held]) {
      if (held.count === 0 || held.first === undefined) {
        if (!alertDue(held.lastVisitAt, now, this.intervalMs)) continue;
        this.held.delete(tokenId);
        continue;
      }
      if (!options.everything && !alertDue(held.lastVisitAt, now, this.intervalMs)) continue;
      const { first, count, lastVisitAt } = held;
      held.first = undefined;
      held.count = 0;
      held.lastVisitAt = now;
      try {
        if (await this.settle(tokenId, first, count, now)) raised += 1;
      } catch (error) {
        // Kept, ahead of what arrived meanwhile, for the next run: the database being away delays an alert, it loses no use.
        held.first = first;
        held.count += count;
        held.lastVisitAt = lastVisitAt;
        throw error;
      }
    }
    return raised;
  }

  /** The canary's uses against its shared guard: one event, or a larger suppressed count for the next. */
  private async settle(tokenId: string, first: CanaryUse, count: number, now: number): Promise<boolean> {
    const { db, dialect } = this.deps.store;
    return db.transaction().execute(async (trx) => {
      const token = await findTokenSummary(trx, tokenId);
      if (!token) return false; // deleted meanwhile: nobody to tell
      const settled = settleCanaryUses(await lockCanaryGuard(trx, dialect, tokenId), count, now, this.intervalMs);
      await saveCanaryGuard(trx, tokenId, settled.guard);
      if (!settled.raise) return false;
      await writeEvent(trx, canaryUsedEvent(token, first, settled.suppressedUses, newSortableId('lev', now)), first.at);
      return true;
    });
  }
}
