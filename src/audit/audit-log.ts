/**
 * The audit trail: who did what to which account or token, and when. An event is written in the same
 * transaction as the change it records (`record` takes that transaction), so neither exists without the other.
 */
import type { Database, Executor } from '../store/database.js';
import { newSortableId } from '../domain/ids.js';
import { type Actor, actorUserId } from '../domain/actor.js';
import { insertEvent, selectTokenEvents } from './repository.js';

export const AUDIT_ACTIONS = [
  'account.create',
  'account.user_add',
  'account.user_role_change',
  'account.user_remove',
  'account.invite_accept',
  'user.profile_update',
  'user.password_change',
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
  'token.expose',
  'webhook.create',
  'webhook.update',
  'webhook.delete',
  'webhook.rotate_secret',
  'webhook.redeliver',
  'mail.settings_update',
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

export interface NewAuditEvent {
  accountId: string;
  tokenId?: string | null;
  actor: Actor;
  action: AuditAction;
  at: number;
  details?: Record<string, unknown>;
}

/**
 * Told of every event `record` writes, inside the same transaction and after the event's row: what it writes
 * commits or rolls back with the change (the lifecycle outbox hangs here). A throw fails the change.
 */
export type AuditFollower = (trx: Executor, event: NewAuditEvent) => Promise<void>;

export class AuditLog {
  constructor(private readonly deps: { db: Database; follower?: AuditFollower }) {}

  /** Writes one event inside `trx`, the transaction of the change it records. Operator and client address go into its details. */
  async record(trx: Executor, event: NewAuditEvent): Promise<void> {
    const { actor } = event;
    const details = { ...(event.details ?? {}), ...(actor.kind === 'operator' ? { via: actor.label } : {}), ...(actor.kind === 'user' && actor.ip ? { ip: actor.ip } : {}) };
    await insertEvent(trx, {
      id: newSortableId('evt', event.at),
      account_id: event.accountId,
      token_id: event.tokenId ?? null,
      actor_user_id: actorUserId(actor),
      action: event.action,
      at: event.at,
      details: JSON.stringify(details),
    });
    await this.deps.follower?.(trx, event);
  }

  /** A token's events, newest first. */
  async tokenEvents(accountId: string, tokenId: string, limit = 200): Promise<AuditEvent[]> {
    const rows = await selectTokenEvents(this.deps.db, accountId, tokenId, limit);
    return rows.map((r) => ({ ...r, action: r.action as AuditAction, at: Number(r.at), actorEmail: r.actorEmail ?? null, details: JSON.parse(r.details) }));
  }
}
