/**
 * E-mail notification settings of an account (Account Administrators only; every change audited in its
 * transaction) and the messages a token's events produced (its Activity page, for the token managers).
 */
import type { AccountService } from '../accounts/service.js';
import type { AuditLog } from '../audit/index.js';
import type { Actor } from '../domain/actor.js';
import { type FieldError, invalidInput } from '../domain/errors.js';
import { LIFECYCLE_EVENT_TYPES, isLifecycleEventType, type LifecycleEventType } from '../domain/lifecycle-events.js';
import { MAIL_AUDIENCES, MAIL_DELIVERIES, type MailAudience, type MailDelivery, type MailSettings, mutedOf } from '../domain/mail.js';
import type { Store } from '../store/database.js';
import * as repo from './repository.js';
import { loadSettings } from './settings.js';

export interface MailSettingsView extends MailSettings {
  /** Whether this deployment sends e-mail at all (SMTP_URL is set). */
  enabled: boolean;
  /** MAIL_FROM, when enabled. */
  from: string | null;
}

export interface MailSettingsInput {
  delivery?: string;
  events?: Partial<Record<MailAudience, string[]>>;
}

export interface SentMail {
  id: string;
  eventId: string;
  recipient: string;
  delivery: MailDelivery;
  status: 'pending' | 'sent' | 'failed';
  attempts: number;
  /** How many events the message lists (more than one: a digest). */
  eventCount: number;
  /** When it is (or was) first due: a digest's window end. */
  sendAt: number;
  nextAttemptAt: number | null;
  sentAt: number | null;
  lastError: string | null;
}

export interface MailServiceDeps {
  store: Pick<Store, 'db'>;
  accounts: Pick<AccountService, 'requireAccountAdministrator'>;
  audit: Pick<AuditLog, 'record'>;
  /** MAIL_FROM when SMTP_URL is set; null when this deployment sends no e-mail. */
  from: string | null;
  now?: () => number;
}

export class MailService {
  constructor(private readonly deps: MailServiceDeps) {}

  async settings(actor: Actor, accountId: string): Promise<MailSettingsView> {
    await this.deps.accounts.requireAccountAdministrator(actor, accountId);
    return this.view(await loadSettings(this.deps.store.db, accountId));
  }

  async updateSettings(actor: Actor, accountId: string, input: MailSettingsInput): Promise<MailSettingsView> {
    await this.deps.accounts.requireAccountAdministrator(actor, accountId);
    const errors: FieldError[] = [];
    if (input.delivery !== undefined && !(MAIL_DELIVERIES as readonly string[]).includes(input.delivery)) errors.push({ field: 'delivery', message: `must be one of ${MAIL_DELIVERIES.join(', ')}` });
    for (const audience of MAIL_AUDIENCES) {
      const unknown = (input.events?.[audience] ?? []).filter((t) => !isLifecycleEventType(t));
      if (unknown.length > 0) errors.push({ field: `events.${audience}`, message: `has unknown event types: ${unknown.join(', ')}` });
    }
    if (errors.length > 0) throw invalidInput(errors);
    return this.deps.store.db.transaction().execute(async (trx) => {
      const current = await loadSettings(trx, accountId);
      const next: MailSettings = {
        delivery: (input.delivery as MailDelivery | undefined) ?? current.delivery,
        events: {
          primaryContact: input.events?.primaryContact ? pick(input.events.primaryContact) : current.events.primaryContact,
          developers: input.events?.developers ? pick(input.events.developers) : current.events.developers,
        },
      };
      if (JSON.stringify(next) === JSON.stringify(current)) return this.view(current);
      const now = this.deps.now?.() ?? Date.now();
      await repo.saveSettings(trx, { account_id: accountId, delivery: next.delivery, muted: JSON.stringify(mutedOf(next)), updated_at: now });
      await this.deps.audit.record(trx, { accountId, actor, action: 'mail.settings_update', at: now, details: { from: current, to: next } });
      return this.view(next);
    });
  }

  /** The messages these events of the account produced; the caller has checked the reader may see the token. */
  async messagesOf(accountId: string, eventIds: string[]): Promise<SentMail[]> {
    return (await repo.messagesOfEvents(this.deps.store.db, accountId, eventIds)).map((m) => ({
      id: m.id,
      eventId: m.eventId,
      recipient: m.recipient,
      delivery: m.delivery as MailDelivery,
      status: m.status as SentMail['status'],
      attempts: m.attempts,
      eventCount: m.eventCount,
      sendAt: Number(m.sendAt),
      nextAttemptAt: m.status === 'pending' && m.nextAttemptAt !== null ? Number(m.nextAttemptAt) : null,
      sentAt: m.sentAt === null ? null : Number(m.sentAt),
      lastError: m.lastError,
    }));
  }

  private view(settings: MailSettings): MailSettingsView {
    return { ...settings, enabled: this.deps.from !== null, from: this.deps.from };
  }
}

/** The listed types, each once, in the order of LIFECYCLE_EVENT_TYPES. */
const pick = (types: string[]): LifecycleEventType[] => LIFECYCLE_EVENT_TYPES.filter((t) => types.includes(t));
