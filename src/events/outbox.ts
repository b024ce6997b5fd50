/**
 * The outbox writer. It follows the audit log (AuditFollower): every audited token change that raises a lifecycle
 * event writes it here, in the change's own transaction, so an event exists exactly when its change committed.
 * Token operations need no code of their own for it.
 */
import type { AuditFollower, NewAuditEvent } from '../audit/index.js';
import { type LifecycleEvent, eventFromAudit } from '../domain/lifecycle-events.js';
import { newSortableId } from '../domain/ids.js';
import type { Executor } from '../store/database.js';
import type { EventContacts } from './dispatcher.js';
import { findTokenContacts, findTokenSummary, findUserEmail, insertEvent } from './repository.js';

/**
 * Writes `event` to the outbox in `trx`, with whom it may mail: `contacts` when given (a deleted token's, from its
 * audit details), else the token's as they are in this transaction.
 */
export async function writeEvent(trx: Executor, event: LifecycleEvent, at: number, contacts?: EventContacts): Promise<void> {
  const snapshot = contacts ?? (await findTokenContacts(trx, event.token.id));
  await insertEvent(trx, { id: event.id, account_id: event.accountId, token_id: event.token.id, type: event.type, occurred_at: at, payload: JSON.stringify(event), dispatched_at: null, contacts: snapshot ? JSON.stringify(snapshot) : null });
}

/** A deleted token's contacts, from its delete's audit details (the row is gone by the time the follower runs). */
async function contactsFromDetails(trx: Executor, details: Record<string, unknown>): Promise<EventContacts> {
  const userId = typeof details.primaryContactUserId === 'string' ? details.primaryContactUserId : null;
  const developers = Array.isArray(details.developerEmails) ? details.developerEmails.filter((e): e is string => typeof e === 'string') : [];
  return { primaryContact: userId ? ((await findUserEmail(trx, userId)) ?? null) : null, developers };
}

export const outboxFollower: AuditFollower = async (trx, audited: NewAuditEvent) => {
  if (!audited.tokenId) return;
  // After a delete the row is gone: the audit details carry its name and SID for exactly this.
  const row = await findTokenSummary(trx, audited.tokenId);
  const details = audited.details ?? {};
  const token = row ?? { id: audited.tokenId, accountSid: String(details.accountSid ?? ''), name: String(details.name ?? '') };
  const actor = audited.actor.kind === 'user' ? { kind: 'user' as const, userId: audited.actor.userId } : audited.actor;
  const event = eventFromAudit({ action: audited.action, accountId: audited.accountId, tokenId: audited.tokenId, at: audited.at, actor, details }, token, newSortableId('lev', audited.at));
  if (event) await writeEvent(trx, event, audited.at, row ? undefined : await contactsFromDetails(trx, details));
};
