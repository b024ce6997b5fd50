/**
 * Hands outbox events to the delivery channels. A batch is claimed, given to every channel and marked dispatched
 * in one transaction, so each event reaches each channel exactly once: a channel records what it will deliver
 * (a webhook delivery row) in that transaction and delivers it later, on its own schedule. Two nodes never take
 * the same events (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: one write transaction at a time).
 */
import type { LifecycleEvent } from '../domain/lifecycle-events.js';
import type { Executor, Store } from '../store/database.js';
import { claimUndispatched, hasUndispatched, markDispatched } from './repository.js';

/** Whom an event may mail, as the token had them when it happened (null: the outbox row predates the snapshot). */
export interface EventContacts {
  primaryContact: string | null;
  developers: string[];
}

/** Something that delivers events (webhooks, e-mail): it accepts an event inside the dispatch transaction. */
export interface DeliveryChannel {
  accept(trx: Executor, event: LifecycleEvent, contacts: EventContacts | null): Promise<void>;
  /** Deletes up to `limit` of its records that finished before `before` (the retention job); returns how many. */
  prune?(db: Executor, before: number, limit: number): Promise<number>;
}

export interface DispatcherDeps {
  store: Pick<Store, 'db' | 'dialect'>;
  channels: readonly DeliveryChannel[];
  now?: () => number;
  batchSize?: number;
}

export class Dispatcher {
  constructor(private readonly deps: DispatcherDeps) {}

  /** Dispatches one batch; returns how many events it handed on. */
  async runOnce(): Promise<number> {
    const { db, dialect } = this.deps.store;
    if (!(await hasUndispatched(db))) return 0;
    return db.transaction().execute(async (trx) => {
      const rows = await claimUndispatched(trx, dialect, this.deps.batchSize ?? 100);
      for (const row of rows) {
        const event = JSON.parse(row.payload) as LifecycleEvent;
        const contacts = row.contacts === null ? null : (JSON.parse(row.contacts) as EventContacts);
        for (const channel of this.deps.channels) await channel.accept(trx, event, contacts);
      }
      await markDispatched(trx, rows.map((r) => r.id), this.deps.now?.() ?? Date.now());
      return rows.length;
    });
  }
}
