/** The mail_settings, mail_messages and mail_message_events queries. */
import type { Executor } from '../store/database.js';
import type { MailMessagesTable, MailSettingsTable } from '../store/schema.js';

export async function findSettings(db: Executor, accountId: string): Promise<MailSettingsTable | undefined> {
  return db.selectFrom('mail_settings').selectAll().where('account_id', '=', accountId).executeTakeFirst();
}

export async function saveSettings(db: Executor, row: MailSettingsTable): Promise<void> {
  await db
    .insertInto('mail_settings')
    .values(row)
    .onConflict((oc) => oc.column('account_id').doUpdateSet({ delivery: row.delivery, muted: row.muted, updated_at: row.updated_at }))
    .execute();
}

/** Starts the message of a batch; false when one with this key exists already (this node's or another's). */
export async function insertMessage(db: Executor, row: MailMessagesTable): Promise<boolean> {
  const result = await db
    .insertInto('mail_messages')
    .values(row)
    .onConflict((oc) => oc.columns(['account_id', 'recipient', 'batch_key']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/**
 * Adds one event to the batch's message if it is still open: pending, never tried and not claimed. The update
 * locks the row, so a worker claiming it at the same moment either waits for this transaction or makes this
 * update find nothing: an event is never added to a message already being sent. Returns the message id, or null.
 */
export async function joinOpenMessage(db: Executor, accountId: string, recipient: string, batchKey: string): Promise<string | null> {
  const row = await db.selectFrom('mail_messages').select('id').where('account_id', '=', accountId).where('recipient', '=', recipient).where('batch_key', '=', batchKey).executeTakeFirst();
  if (!row) return null;
  const updated = await db
    .updateTable('mail_messages')
    .set((eb) => ({ event_count: eb('event_count', '+', 1) }))
    .where('id', '=', row.id)
    .where('status', '=', 'pending')
    .where('attempts', '=', 0)
    .where('claim_id', 'is', null)
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) > 0 ? row.id : null;
}

export async function linkEvent(db: Executor, messageId: string, eventId: string): Promise<void> {
  await db.insertInto('mail_message_events').values({ message_id: messageId, event_id: eventId }).execute();
}

export async function findMessage(db: Executor, id: string): Promise<MailMessagesTable | undefined> {
  return db.selectFrom('mail_messages').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The events a message lists, oldest first, as the outbox stored them. */
export async function eventsOfMessage(db: Executor, messageId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('mail_message_events')
    .innerJoin('lifecycle_events', 'lifecycle_events.id', 'mail_message_events.event_id')
    .select('lifecycle_events.payload as payload')
    .where('mail_message_events.message_id', '=', messageId)
    .orderBy('lifecycle_events.occurred_at')
    .orderBy('lifecycle_events.id')
    .execute();
  return rows.map((r) => r.payload);
}

/** How the users an event names are shown: `Name <email>`. */
export async function userDisplays(db: Executor, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('users').select(['id', 'name', 'email']).where('id', 'in', ids).execute();
  return new Map(rows.map((u) => [u.id, u.name ? `${u.name} <${u.email}>` : u.email]));
}

/** Records an attempt's outcome if `claimId` still holds the message (a lease that ran out lost it); false otherwise. */
export async function finishAttempt(
  db: Executor,
  outcome: { messageId: string; claimId: string; attempt: number; status: 'pending' | 'sent' | 'failed'; nextAttemptAt: number | null; sentAt: number | null; error: string | null },
): Promise<boolean> {
  const updated = await db
    .updateTable('mail_messages')
    .set({ status: outcome.status, attempts: outcome.attempt, next_attempt_at: outcome.nextAttemptAt, claim_id: null, sent_at: outcome.sentAt, last_error: outcome.error })
    .where('id', '=', outcome.messageId)
    .where('claim_id', '=', outcome.claimId)
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) > 0;
}

/** The messages these events produced, with which event each lists (a token's Activity page). */
export async function messagesOfEvents(db: Executor, accountId: string, eventIds: string[]) {
  if (eventIds.length === 0) return [];
  return db
    .selectFrom('mail_message_events')
    .innerJoin('mail_messages', 'mail_messages.id', 'mail_message_events.message_id')
    .select([
      'mail_message_events.event_id as eventId',
      'mail_messages.id as id',
      'mail_messages.recipient as recipient',
      'mail_messages.delivery as delivery',
      'mail_messages.status as status',
      'mail_messages.attempts as attempts',
      'mail_messages.event_count as eventCount',
      'mail_messages.send_at as sendAt',
      'mail_messages.next_attempt_at as nextAttemptAt',
      'mail_messages.sent_at as sentAt',
      'mail_messages.last_error as lastError',
    ])
    .where('mail_messages.account_id', '=', accountId)
    .where('mail_message_events.event_id', 'in', eventIds)
    .orderBy('mail_messages.created_at')
    .orderBy('mail_messages.id')
    .execute();
}

/** The retention job's share: sent or failed messages created before `before` (their event links go with them). */
export async function deleteFinishedMessages(db: Executor, before: number, limit: number): Promise<number> {
  const result = await db
    .deleteFrom('mail_messages')
    .where('id', 'in', (eb) => eb.selectFrom('mail_messages').select('id').where('status', 'in', ['sent', 'failed']).where('created_at', '<', before).limit(limit))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
