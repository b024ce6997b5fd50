/** An account's stored e-mail choices, read as MailSettings (the defaults when it has none). */
import { DEFAULT_MAIL_SETTINGS, MAIL_DELIVERIES, type MailDelivery, type MailSettings, settingsFromMuted } from '../domain/mail.js';
import type { Executor } from '../store/database.js';
import { findSettings } from './repository.js';

export async function loadSettings(db: Executor, accountId: string): Promise<MailSettings> {
  const row = await findSettings(db, accountId);
  if (!row) return DEFAULT_MAIL_SETTINGS;
  const delivery = (MAIL_DELIVERIES as readonly string[]).includes(row.delivery) ? (row.delivery as MailDelivery) : 'immediate';
  return settingsFromMuted(delivery, JSON.parse(row.muted));
}
