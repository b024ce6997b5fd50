/**
 * The e-mail delivery channel: for each event, one pending message per recipient the account's settings allow
 * (the token's primary contact and developer e-mails, each once), or the event added to each recipient's open
 * digest of the current window. Records nothing when this deployment sends no e-mail (no SMTP_URL).
 */
import type { DeliveryChannel, EventContacts } from '../events/index.js';
import type { LifecycleEvent } from '../domain/lifecycle-events.js';
import { mailBatch, recipientsOf } from '../domain/mail.js';
import { newId } from '../domain/ids.js';
import type { Executor } from '../store/database.js';
import { deleteFinishedMessages, insertMessage, joinOpenMessage, linkEvent } from './repository.js';
import { loadSettings } from './settings.js';

export class MailChannel implements DeliveryChannel {
  constructor(private readonly deps: { enabled: boolean; now?: () => number }) {}

  async accept(trx: Executor, event: LifecycleEvent, contacts: EventContacts | null): Promise<void> {
    if (!this.deps.enabled || !contacts) return;
    const settings = await loadSettings(trx, event.accountId);
    const now = this.deps.now?.() ?? Date.now();
    const batch = mailBatch(settings.delivery, event.id, now);
    for (const recipient of recipientsOf(event.type, contacts, settings)) {
      const messageId = await this.messageFor(trx, event, recipient, batch, settings.delivery, now);
      await linkEvent(trx, messageId, event.id);
    }
  }

  prune(db: Executor, before: number, limit: number): Promise<number> {
    return deleteFinishedMessages(db, before, limit);
  }

  /** The digest still open for this window, or a new message (its own, when the window's digest has already left). */
  private async messageFor(trx: Executor, event: LifecycleEvent, recipient: string, batch: { key: string; sendAt: number }, delivery: string, now: number): Promise<string> {
    const row = (key: string, sendAt: number) => ({ id: newId('eml'), account_id: event.accountId, recipient, batch_key: key, delivery, status: 'pending', event_count: 1, attempts: 0, send_at: sendAt, next_attempt_at: sendAt, claim_id: null, last_error: null, sent_at: null, created_at: now });
    const fresh = row(batch.key, batch.sendAt);
    if (await insertMessage(trx, fresh)) return fresh.id;
    const open = await joinOpenMessage(trx, event.accountId, recipient, batch.key);
    if (open) return open;
    const late = row(`${batch.key}:${event.id}`, now);
    await insertMessage(trx, late);
    return late.id;
  }
}
