/**
 * E-mail notification rules shared by the settings API, the mail channel and the UI: the delivery choices, who an
 * event mails under an account's settings, and the digest window an event falls in. Pure functions, no I/O.
 */
import { DAY_MS, LIFECYCLE_EVENT_TYPES, type LifecycleEventType } from './lifecycle-events.js';

/** `immediate`: one message per event; `hourly` / `daily`: one per recipient per window (UTC hours, UTC days). */
export const MAIL_DELIVERIES = ['immediate', 'hourly', 'daily'] as const;
export type MailDelivery = (typeof MAIL_DELIVERIES)[number];

/** The two kinds of recipient a token has. */
export const MAIL_AUDIENCES = ['primaryContact', 'developers'] as const;
export type MailAudience = (typeof MAIL_AUDIENCES)[number];

/**
 * An account's choices. Stored as the event types each audience is NOT mailed, so a type added to Sidekey later
 * mails everyone until an administrator says otherwise; shown and edited as the types each one is mailed.
 */
export interface MailSettings {
  delivery: MailDelivery;
  events: Record<MailAudience, LifecycleEventType[]>;
}

export const DEFAULT_MAIL_SETTINGS: MailSettings = { delivery: 'immediate', events: { primaryContact: [...LIFECYCLE_EVENT_TYPES], developers: [...LIFECYCLE_EVENT_TYPES] } };

export const mutedOf = (settings: MailSettings): Record<MailAudience, LifecycleEventType[]> => ({
  primaryContact: LIFECYCLE_EVENT_TYPES.filter((t) => !settings.events.primaryContact.includes(t)),
  developers: LIFECYCLE_EVENT_TYPES.filter((t) => !settings.events.developers.includes(t)),
});

export const settingsFromMuted = (delivery: MailDelivery, muted: Partial<Record<MailAudience, string[]>>): MailSettings => ({
  delivery,
  events: {
    primaryContact: LIFECYCLE_EVENT_TYPES.filter((t) => !(muted.primaryContact ?? []).includes(t)),
    developers: LIFECYCLE_EVENT_TYPES.filter((t) => !(muted.developers ?? []).includes(t)),
  },
});

/**
 * The addresses an event of `type` mails: the primary contact and the developer e-mails the settings allow for
 * it, each once (compared without case; the first spelling is kept), in that order.
 */
export function recipientsOf(type: LifecycleEventType, contacts: { primaryContact: string | null; developers: readonly string[] }, settings: MailSettings): string[] {
  const candidates = [...(contacts.primaryContact && settings.events.primaryContact.includes(type) ? [contacts.primaryContact] : []), ...(settings.events.developers.includes(type) ? contacts.developers : [])];
  const seen = new Set<string>();
  return candidates.filter((address) => {
    const key = address.trim().toLowerCase();
    if (key === '' || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const HOUR_MS = 3_600_000;

/**
 * Where an event accepted at `nowMs` goes: its own message sent at once, or the digest of the window it falls in
 * (key and end; the digest is sent when the window ends).
 */
export function mailBatch(delivery: MailDelivery, eventId: string, nowMs: number): { key: string; sendAt: number } {
  if (delivery === 'immediate') return { key: eventId, sendAt: nowMs };
  const size = delivery === 'hourly' ? HOUR_MS : DAY_MS;
  const start = Math.floor(nowMs / size) * size;
  return { key: `${delivery}:${start}`, sendAt: start + size };
}
