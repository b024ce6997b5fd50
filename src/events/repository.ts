/** The lifecycle_events outbox, the notices (expiry, unused) and canary alert guards, and the token fields an event names. */
import { sql } from 'kysely';
import type { CanaryGuard } from '../domain/canary.js';
import type { Dialect, Executor } from '../store/database.js';
import type { LifecycleEventsTable } from '../store/schema.js';

export async function insertEvent(db: Executor, row: LifecycleEventsTable): Promise<void> {
  await db.insertInto('lifecycle_events').values(row).execute();
}

/** The name and SID an event carries, read in the change's transaction (after its write). */
export async function findTokenSummary(db: Executor, tokenId: string) {
  return db.selectFrom('tokens').select(['id', 'account_id as accountId', 'account_sid as accountSid', 'name', 'expires_at as expiresAt']).where('id', '=', tokenId).executeTakeFirst();
}

/** Whom an event about the token may mail: its primary contact's e-mail and its developer e-mails. */
export async function findTokenContacts(db: Executor, tokenId: string): Promise<{ primaryContact: string | null; developers: string[] } | undefined> {
  const row = await db
    .selectFrom('tokens')
    .leftJoin('users', 'users.id', 'tokens.primary_contact_user_id')
    .select(['users.email as primaryContact', 'tokens.developer_emails as developers'])
    .where('tokens.id', '=', tokenId)
    .executeTakeFirst();
  return row && { primaryContact: row.primaryContact ?? null, developers: JSON.parse(row.developers) as string[] };
}

export async function findUserEmail(db: Executor, userId: string): Promise<string | undefined> {
  return (await db.selectFrom('users').select('email').where('id', '=', userId).executeTakeFirst())?.email;
}

/**
 * Tokens that expire before `horizon` and whose expiry has not yet been marked as passed, soonest first. A token
 * keeps coming back while it is inside a notice window; once `expired` is raised for its expiry, it stops.
 */
export async function findExpiryCandidates(db: Executor, horizon: number, limit: number) {
  return db
    .selectFrom('tokens')
    .select(['id', 'account_id as accountId', 'account_sid as accountSid', 'name', 'expires_at as expiresAt'])
    .where('expires_at', 'is not', null)
    .where('expires_at', '<=', horizon)
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('lifecycle_notices').select('lifecycle_notices.token_id').whereRef('lifecycle_notices.token_id', '=', 'tokens.id').whereRef('lifecycle_notices.expires_at', '=', 'tokens.expires_at').where('lifecycle_notices.days_before', '=', 0))),
    )
    .orderBy('expires_at')
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** The notices already raised for these tokens. */
export async function findNoticesOf(db: Executor, tokenIds: string[]) {
  if (tokenIds.length === 0) return [];
  return db.selectFrom('lifecycle_notices').selectAll().where('token_id', 'in', tokenIds).execute();
}

/** Claims one notice; false when it was raised before (by this node or any other): the key is the "exactly once". */
export async function claimNotice(db: Executor, notice: { tokenId: string; expiresAt: number; daysBefore: number; eventId: string }): Promise<boolean> {
  const result = await db
    .insertInto('lifecycle_notices')
    .values({ token_id: notice.tokenId, expires_at: notice.expiresAt, days_before: notice.daysBefore, event_id: notice.eventId })
    .onConflict((oc) => oc.columns(['token_id', 'expires_at', 'days_before']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/**
 * The oldest undispatched events, locked for this transaction. On PostgreSQL another node's claim skips the rows
 * this one holds (FOR UPDATE SKIP LOCKED); on SQLite the write transaction (BEGIN IMMEDIATE) is the only one.
 */
export async function claimUndispatched(db: Executor, dialect: Dialect, limit: number) {
  let query = db.selectFrom('lifecycle_events').selectAll().where('dispatched_at', 'is', null).orderBy('id').limit(limit);
  if (dialect === 'postgres') query = query.forUpdate().skipLocked();
  return query.execute();
}

/** Whether any event waits for dispatch: a read, so an idle dispatcher never takes a write lock. */
export async function hasUndispatched(db: Executor): Promise<boolean> {
  return (await db.selectFrom('lifecycle_events').select('id').where('dispatched_at', 'is', null).limit(1).executeTakeFirst()) !== undefined;
}

export async function markDispatched(db: Executor, ids: string[], at: number): Promise<void> {
  if (ids.length > 0) await db.updateTable('lifecycle_events').set({ dispatched_at: at }).where('id', 'in', ids).execute();
}

/** A token's events, newest first. */
export async function selectTokenEvents(db: Executor, accountId: string, tokenId: string, limit: number) {
  return db.selectFrom('lifecycle_events').selectAll().where('account_id', '=', accountId).where('token_id', '=', tokenId).orderBy('occurred_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

/** The stretch an idle token is in: its last authenticated use, or its creation when it has none. */
const unusedSince = sql<number>`coalesce(tokens.last_used_at, tokens.created_at)`;

/**
 * Enabled tokens (canaries aside: they are never used by design) idle since `cutoff` or longer, whose current
 * stretch has no notice yet; the longest idle first.
 */
export async function findUnusedCandidates(db: Executor, cutoff: number, limit: number) {
  return db
    .selectFrom('tokens')
    .select(['id', 'account_id as accountId', 'account_sid as accountSid', 'name', 'last_used_at as lastUsedAt', 'created_at as createdAt'])
    .where('state', '=', 'enabled')
    .where('kind', '!=', 'canary')
    .where(unusedSince, '<=', cutoff)
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('unused_notices').select('unused_notices.token_id').whereRef('unused_notices.token_id', '=', 'tokens.id').where('unused_notices.since', '=', unusedSince))),
    )
    .orderBy(unusedSince)
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** What an unused notice re-reads of its token in the notice's transaction. */
export async function findUnusedSummary(db: Executor, tokenId: string) {
  return db.selectFrom('tokens').select(['id', 'account_id as accountId', 'account_sid as accountSid', 'name', 'state', 'last_used_at as lastUsedAt', 'created_at as createdAt']).where('id', '=', tokenId).executeTakeFirst();
}

/** Claims the unused notice of one stretch; false when any node raised it before. */
export async function claimUnusedNotice(db: Executor, notice: { tokenId: string; since: number; eventId: string }): Promise<boolean> {
  const result = await db
    .insertInto('unused_notices')
    .values({ token_id: notice.tokenId, since: notice.since, event_id: notice.eventId })
    .onConflict((oc) => oc.columns(['token_id', 'since']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
}

/**
 * A canary's alert guard, locked for this transaction (created first when it has none, so two nodes' first uses
 * meet on its key: PostgreSQL makes the second insert wait for the first, then do nothing).
 */
export async function lockCanaryGuard(db: Executor, dialect: Dialect, tokenId: string): Promise<CanaryGuard> {
  await db.insertInto('canary_alerts').values({ token_id: tokenId, last_alert_at: null, suppressed: 0 }).onConflict((oc) => oc.column('token_id').doNothing()).execute();
  let query = db.selectFrom('canary_alerts').select(['last_alert_at', 'suppressed']).where('token_id', '=', tokenId);
  if (dialect === 'postgres') query = query.forUpdate();
  const row = await query.executeTakeFirstOrThrow();
  return { lastAlertAt: row.last_alert_at === null ? null : Number(row.last_alert_at), suppressed: Number(row.suppressed) };
}

export async function saveCanaryGuard(db: Executor, tokenId: string, guard: CanaryGuard): Promise<void> {
  await db.updateTable('canary_alerts').set({ last_alert_at: guard.lastAlertAt, suppressed: guard.suppressed }).where('token_id', '=', tokenId).execute();
}

/**
 * Deletes up to `limit` dispatched events that happened before `before`, except those a webhook delivery or an
 * e-mail still names (its row references the event: a redelivery of an old event keeps it until that delivery is
 * pruned too).
 */
export async function deleteDispatchedEvents(db: Executor, before: number, limit: number): Promise<number> {
  const result = await db
    .deleteFrom('lifecycle_events')
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('lifecycle_events as e')
        .select('e.id')
        .where('e.dispatched_at', 'is not', null)
        .where('e.occurred_at', '<', before)
        .where(({ not, exists, selectFrom }) => not(exists(selectFrom('webhook_deliveries').select('webhook_deliveries.id').whereRef('webhook_deliveries.event_id', '=', 'e.id'))))
        .where(({ not, exists, selectFrom }) => not(exists(selectFrom('mail_message_events').select('mail_message_events.event_id').whereRef('mail_message_events.event_id', '=', 'e.id'))))
        .limit(limit),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
