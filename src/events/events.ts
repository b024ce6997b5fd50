/** Reading the outbox: a token's lifecycle events, for its Activity page. */
import type { LifecycleEvent } from '../domain/lifecycle-events.js';
import type { Database } from '../store/database.js';
import { selectTokenEvents } from './repository.js';

export class LifecycleEvents {
  constructor(private readonly deps: { db: Database }) {}

  /** The token's events, newest first, with whether each has been handed to the channels yet. */
  async tokenEvents(accountId: string, tokenId: string, limit = 200): Promise<{ event: LifecycleEvent; dispatchedAt: number | null }[]> {
    const rows = await selectTokenEvents(this.deps.db, accountId, tokenId, limit);
    return rows.map((r) => ({ event: JSON.parse(r.payload) as LifecycleEvent, dispatchedAt: r.dispatched_at === null ? null : Number(r.dispatched_at) }));
  }
}
