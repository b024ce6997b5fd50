/**
 * The retention job: deletes what has finished and is older than the window (LIFECYCLE_RETENTION_DAYS) — each
 * channel's finished records (delivered or failed webhook deliveries with their attempts, sent or failed e-mails), then the dispatched
 * events no record names any more. Pending work is never touched, whatever its age. Deletes go in batches, so a
 * large backlog costs several short runs rather than one long lock; any node may run it (deleting twice is a no-op).
 */
import { retentionCutoff } from '../domain/lifecycle-events.js';
import type { Store } from '../store/database.js';
import type { DeliveryChannel } from './dispatcher.js';
import { deleteDispatchedEvents } from './repository.js';

export interface RetentionDeps {
  store: Pick<Store, 'db'>;
  channels: readonly DeliveryChannel[];
  days: number;
  now?: () => number;
  /** Rows deleted per table per batch. */
  batchSize?: number;
  /** Batches per table per run; the rest waits for the next run. */
  maxBatches?: number;
}

export class Retention {
  constructor(private readonly deps: RetentionDeps) {}

  /** One run: returns how many channel records and events it deleted. */
  async runOnce(): Promise<{ records: number; events: number }> {
    const { db } = this.deps.store;
    const before = retentionCutoff(this.deps.now?.() ?? Date.now(), this.deps.days);
    const limit = this.deps.batchSize ?? 1_000;
    let records = 0;
    for (const channel of this.deps.channels) if (channel.prune) records += await this.inBatches((n) => channel.prune!(db, before, n), limit);
    const events = await this.inBatches((n) => deleteDispatchedEvents(db, before, n), limit);
    return { records, events };
  }

  private async inBatches(run: (limit: number) => Promise<number>, limit: number): Promise<number> {
    let total = 0;
    for (let batch = 0; batch < (this.deps.maxBatches ?? 20); batch++) {
      const deleted = await run(limit);
      total += deleted;
      if (deleted < limit) break;
    }
    return total;
  }
}
