/**
 * What a notification says: for each event the token's name, what happened, who did it, when, and a link to the
 * token's page, as plain text and as HTML (every value escaped). Built only from the event's own fields, which
 * never hold a secret (domain/lifecycle-events.ts). A new event type needs one entry in `WHAT_HAPPENED`.
 */
import type { EventActor, LifecycleEvent, LifecycleEventType } from '../domain/lifecycle-events.js';
import type { MailDelivery } from '../domain/mail.js';

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

export interface RenderContext {
  /** PUBLIC_URL: the base of the links to token pages. */
  baseUrl: string;
  /** The display of each user an event names as its actor (`Name <email>`), by id. */
  users: ReadonlyMap<string, string>;
  delivery: MailDelivery;
}

const when = (iso: string) => `${iso.slice(0, 16).replace('T', ' ')} UTC`;

type Described = { [T in LifecycleEventType]: (event: Extract<LifecycleEvent, { type: T }>) => string };

const FIELD_NAMES: Record<string, string> = {
  name: 'name',
  description: 'description',
  primaryContactUserId: 'primary contact',
  developerEmails: 'developer e-mails',
  scopes: 'scopes',
  expiresAt: 'expiry',
  notBefore: 'start time',
  allowedCidrs: 'allowed networks',
  rateLimit: 'rate limit',
};

/** What a leak report did, after its `action`. */
const EXPOSURE_OUTCOMES: Record<string, string> = {
  disabled: 'Sidekey disabled the token. Reset its Auth Token before you enable it again.',
  already_disabled: 'the token was already disabled. Reset its Auth Token before you enable it again.',
  canary_kept: 'it is a canary, so it stays armed: any use of it still raises an alert.',
};

/** One sentence per event type: what happened to the token. */
const WHAT_HAPPENED: Described = {
  'token.created': (e) => (e.data.duplicateOf ? 'Created as a copy of another token.' : 'Created.'),
  'token.updated': (e) => {
    const fields = Object.keys(e.data.changes).map((f) => FIELD_NAMES[f] ?? f);
    return fields.length > 0 ? `Settings changed: ${fields.join(', ')}.` : 'Settings saved (nothing changed).';
  },
  'token.reset': (e) => (e.data.graceEndsAt ? `Auth Token reset; the previous one works until ${when(e.data.graceEndsAt)}.` : 'Auth Token reset; the previous one stopped working at once.'),
  'token.disabled': () => 'Disabled: it no longer authenticates until it is enabled again.',
  'token.enabled': () => 'Enabled: it authenticates again.',
  'token.deleted': () => 'Deleted: it no longer authenticates, and cannot be restored.',
  'token.upgraded': (e) => `Upgraded from API version ${e.data.fromVersion} to ${e.data.toVersion}${e.data.droppedScopes.length > 0 ? `; scopes no longer available: ${e.data.droppedScopes.join(', ')}` : ''}.`,
  'token.expiring': (e) => `Expires in ${e.data.daysBefore} day${e.data.daysBefore === 1 ? '' : 's'}, at ${when(e.data.expiresAt)}.`,
  'token.expired': (e) => `Expired at ${when(e.data.expiresAt)}: it no longer authenticates.`,
  'token.canary_used': (e) =>
    `Canary used: ${e.data.method} ${e.data.path} from ${e.data.ip ?? 'an unknown address'}${e.data.userAgent ? `, user agent ${e.data.userAgent}` : ''}, with ${e.data.secretMatched ? 'its own' : 'another'} Auth Token${e.data.suppressedUses > 0 ? `; ${e.data.suppressedUses} more use${e.data.suppressedUses === 1 ? '' : 's'} since the previous alert` : ''}.`,
  'token.unused': (e) => `Unused for ${e.data.days} days: no authenticated use since ${when(e.data.since)}${e.data.lastUsedAt === null ? ' (never used)' : ''}.`,
  'token.exposed': (e) => `Auth Token reported public by ${e.data.reporter}: found in ${e.data.source} at ${e.data.url}; ${EXPOSURE_OUTCOMES[e.data.action] ?? EXPOSURE_OUTCOMES.disabled}`,
};

const whatHappened = (event: LifecycleEvent): string => (WHAT_HAPPENED[event.type] as (e: LifecycleEvent) => string)(event);

function whoDidIt(actor: EventActor, users: ReadonlyMap<string, string>): string {
  if (actor.kind === 'user') return users.get(actor.userId) ?? 'a user who has since been removed';
  if (actor.kind === 'operator') return `an operator (${actor.via})`;
  return 'Sidekey (scheduled)';
}

/** The token's page, or null when the event deleted it (there is no page to open). */
function tokenLink(event: LifecycleEvent, baseUrl: string): string | null {
  if (event.type === 'token.deleted') return null;
  return `${baseUrl.replace(/\/+$/, '')}/accounts/${encodeURIComponent(event.accountId)}/settings/api/tokens/${encodeURIComponent(event.token.id)}/activity`;
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** A token name on one line: a header never carries a line break (a name cannot add headers), nor does a listing. */
const oneLine = (text: string) => text.replace(/[\r\n\t]+/g, ' ').trim();

interface Item {
  event: LifecycleEvent;
  what: string;
  who: string;
  at: string;
  link: string | null;
}

/** The message for `events` (one, or a digest window's, oldest first), to one recipient. */
export function renderMail(events: readonly LifecycleEvent[], context: RenderContext): RenderedMail {
  const items: Item[] = events.map((event) => ({ event, what: whatHappened(event), who: whoDidIt(event.actor, context.users), at: when(event.occurredAt), link: tokenLink(event, context.baseUrl) }));
  const digest = context.delivery !== 'immediate';
  const subject = oneLine(
    digest ? `Sidekey: ${items.length} token event${items.length === 1 ? '' : 's'} (${context.delivery} digest)` : `Sidekey: ${oneLine(items[0].event.token.name)} — ${items[0].what.split(/[.:;]/)[0]}`,
  );
  const intro = digest ? `What happened to the tokens you are a contact for, ${context.delivery === 'hourly' ? 'this hour' : 'today'}:` : 'Something happened to a token you are a contact for:';
  const text = [
    intro,
    '',
    ...items.flatMap((i) => [`${oneLine(i.event.token.name)} (${i.event.token.accountSid})`, `  ${i.what}`, `  By ${i.who}, ${i.at}.`, ...(i.link ? [`  ${i.link}`] : []), '']),
    'You get this because you are the primary contact or a developer of these tokens. An Account Administrator chooses which events are mailed, under Settings → Account → Notifications & webhooks.',
  ].join('\n');
  const html = [
    '<!doctype html><html><body style="font-family: sans-serif; line-height: 1.4">',
    `<p>${escapeHtml(intro)}</p>`,
    ...items.map(
      (i) =>
        `<div style="margin: 0 0 16px"><strong>${escapeHtml(oneLine(i.event.token.name))}</strong> <span style="color: #666">(${escapeHtml(i.event.token.accountSid)})</span><br>${escapeHtml(i.what)}<br><span style="color: #666">By ${escapeHtml(i.who)}, ${escapeHtml(i.at)}.</span>${i.link ? `<br><a href="${escapeHtml(i.link)}">Open the token</a>` : ''}</div>`,
    ),
    '<p style="color: #666; font-size: 12px">You get this because you are the primary contact or a developer of these tokens. An Account Administrator chooses which events are mailed, under Settings → Account → Notifications &amp; webhooks.</p>',
    '</body></html>',
  ].join('\n');
  return { subject, text, html };
}
