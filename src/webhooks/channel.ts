/** The webhook delivery channel: for each event, one pending delivery per enabled endpoint of the account that subscribed to its type. */
import type { DeliveryChannel } from '../events/index.js';
import type { LifecycleEvent } from '../domain/lifecycle-events.js';
import { newId } from '../domain/ids.js';
import type { Executor } from '../store/database.js';
import { deleteFinishedDeliveries, enabledEndpoints, insertDelivery } from './repository.js';

export class WebhookChannel implements DeliveryChannel {
  constructor(private readonly deps: { now?: () => number }) {}

  async accept(trx: Executor, event: LifecycleEvent): Promise<void> {
    const now = this.deps.now?.() ?? Date.now();
    for (const endpoint of await enabledEndpoints(trx, event.accountId)) {
      if (!(JSON.parse(endpoint.events) as string[]).includes(event.type)) continue;
      await insertDelivery(trx, { id: newId('whd'), account_id: event.accountId, endpoint_id: endpoint.id, event_id: event.id, status: 'pending', attempts: 0, next_attempt_at: now, claim_id: null, created_at: now });
    }
  }

  /** Delivered and failed deliveries created before `before`, with their attempts (a pending one is never old). */
  prune(db: Executor, before: number, limit: number): Promise<number> {
    return deleteFinishedDeliveries(db, before, limit);
  }
}
