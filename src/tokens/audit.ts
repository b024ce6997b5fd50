/** The audit trail: written in the same transaction as the change it records, so neither exists without the other. */
import type { Executor } from '../store/database.js';
import { newSortableId } from '../domain/ids.js';
import { type Actor, actorUserId } from '../domain/actor.js';

export const AUDIT_ACTIONS = [
  'account.create',
  'account.user_add',
  'account.api_access_enable',
  'account.legacy_tokens_enable',
  'token.create',
  'token.update',
  'token.duplicate',
  'token.reset',
  'token.upgrade',
  'token.disable',
  'token.enable',
  'token.delete',
  'token.reveal',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEvent {
  id: string;
  accountId: string;
  tokenId: string | null;
  actorUserId: string | null;
  actorEmail: string | null;
  action: AuditAction;
  at: number;
  details: Record<string, unknown>;
}

export async function recordEvent(
  db: Executor,
  event: { accountId: string; tokenId?: string | null; actor: Actor; action: AuditAction; at: number; details?: Record<string, unknown> },
): Promise<void> {
  const details = { ...(event.details ?? {}), ...(event.actor.kind === 'operator' ? { via: event.actor.label } : {}), ...(event.actor.kind === 'user' && event.actor.ip ? { ip: event.actor.ip } : {}) };
  await db
    .insertInto('audit_events')
    .values({
      id: newSortableId('evt', event.at),
      account_id: event.accountId,
      token_id: event.tokenId ?? null,
      actor_user_id: actorUserId(event.actor),
      action: event.action,
      at: event.at,
      details: JSON.stringify(details),
    })
    .execute();
}

export async function listTokenEvents(db: Executor, accountId: string, tokenId: string, limit = 200): Promise<AuditEvent[]> {
  const rows = await db
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
  return rows.map((r) => ({ ...r, action: r.action as AuditAction, at: Number(r.at), actorEmail: r.actorEmail ?? null, details: JSON.parse(r.details) }));
}
