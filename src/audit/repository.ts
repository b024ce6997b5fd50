/** The audit_events queries. */
import type { Executor } from '../store/database.js';
import type { NewAuditEventRow } from '../store/schema.js';

export async function insertEvent(db: Executor, row: NewAuditEventRow): Promise<void> {
  await db.insertInto('audit_events').values(row).execute();
}

/** A token's events with the actor's e-mail, newest first (then by id, which sorts by time too). */
export async function selectTokenEvents(db: Executor, accountId: string, tokenId: string, limit: number) {
  return db
    .selectFrom('audit_events')
    .leftJoin('users', 'users.id', 'audit_events.actor_user_id')
    .select([
      'audit_events.id as id',
      'audit_events.account_id as accountId',
      'audit_events.token_id as tokenId',
      'audit_events.actor_user_id as actorUserId',
      'users.email as actorEmail',
      'audit_events.action as action',
      'audit_events.at as at',
      'audit_events.details as details',
    ])
    .where('audit_events.account_id', '=', accountId)
    .where('audit_events.token_id', '=', tokenId)
    .orderBy('audit_events.at', 'desc')
    .orderBy('audit_events.id', 'desc')
    .limit(limit)
    .execute();
}
