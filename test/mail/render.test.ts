/**
 * What a notification says, for every event type (the table below must name each one: a new type fails to compile
 * here until it has an example), and the rules of who is mailed and when a digest leaves.
 */
import { describe, expect, it } from 'vitest';
import { DAY_MS, LIFECYCLE_EVENT_TYPES, type LifecycleEvent, type LifecycleEventType } from '../../src/domain/lifecycle-events.js';
import { DEFAULT_MAIL_SETTINGS, mailBatch, recipientsOf, settingsFromMuted } from '../../src/domain/mail.js';
import { renderMail } from '../../src/mail/render.js';

const AT = '2026-10-05T08:10:00.000Z';
const base = { occurredAt: AT, accountId: 'acc_1', token: { id: 'tok_1', accountSid: 'IRabc', name: 'Evil <script>alert(1)</script>\r\nBcc: x@y.z' }, actor: { kind: 'user', userId: 'usr_1' } } as const;
const EXAMPLES: { [T in LifecycleEventType]: Extract<LifecycleEvent, { type: T }> } = {
  'token.created': { ...base, id: 'lev_1', type: 'token.created', data: { apiVersion: 14, scopes: [], duplicateOf: null } },
  'token.updated': { ...base, id: 'lev_2', type: 'token.updated', data: { changes: { name: { from: 'a', to: 'b' }, expiresAt: { from: null, to: AT } } } },
  'token.reset': { ...base, id: 'lev_3', type: 'token.reset', data: { graceEndsAt: '2026-10-05T09:10:00.000Z' } },
  'token.disabled': { ...base, id: 'lev_4', type: 'token.disabled', data: {} },
  'token.enabled': { ...base, id: 'lev_5', type: 'token.enabled', data: {} },
  'token.deleted': { ...base, id: 'lev_6', type: 'token.deleted', data: {} },
  'token.upgraded': { ...base, id: 'lev_7', type: 'token.upgraded', data: { fromVersion: 12, toVersion: 14, droppedScopes: ['retired'] } },
  'token.expiring': { ...base, id: 'lev_8', type: 'token.expiring', actor: { kind: 'system' }, data: { expiresAt: '2026-10-06T08:10:00.000Z', daysBefore: 1 } },
  'token.expired': { ...base, id: 'lev_9', type: 'token.expired', actor: { kind: 'system' }, data: { expiresAt: AT } },
  'token.canary_used': { ...base, id: 'lev_11', type: 'token.canary_used', actor: { kind: 'system' }, data: { ip: '198.51.100.7', method: 'GET', path: '/Advertisers/IRabc/Actions', userAgent: 'curl/8.5.0', usedAt: AT, secretMatched: true, suppressedUses: 3 } },
  'token.unused': { ...base, id: 'lev_12', type: 'token.unused', actor: { kind: 'system' }, data: { lastUsedAt: null, since: '2026-09-05T08:10:00.000Z', days: 30 } },
  'token.exposed': { ...base, id: 'lev_10', type: 'token.exposed', actor: { kind: 'operator', via: 'leak report' }, data: { exposureId: 'exp_1', reporter: 'github', reportType: 'sidekey_auth_token', source: 'content', url: 'https://github.com/o/r/blob/x/.env', action: 'disabled' } },
};
const context = { baseUrl: 'https://sidekey.example/', users: new Map([['usr_1', 'Erin <erin@brand.test>']]), delivery: 'immediate' as const };

describe('notification text', () => {
  it.each(LIFECYCLE_EVENT_TYPES.map((t) => [t]))('%s: a one-line subject, the token, what happened, who, when; the HTML escapes every value', (type) => {
    const mail = renderMail([EXAMPLES[type]], context);
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(mail.subject).toMatch(/^Sidekey: Evil <script>alert\(1\)<\/script> Bcc: x@y\.z — \S/);
    expect(mail.text).toContain('(IRabc)');
    expect(mail.text).toMatch(/\n {2}\S.*\.\n {2}By (Erin <erin@brand\.test>|Sidekey \(scheduled\)|an operator \(leak report\)), 2026-10-05 08:10 UTC\./);
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('Evil &#60;script&#62;alert(1)&#60;/script&#62;');
    if (type === 'token.deleted') expect(mail.text).not.toContain('https://');
    else expect(mail.html).toContain('<a href="https://sidekey.example/accounts/acc_1/settings/api/tokens/tok_1/activity">');
  });

  it('reads like a sentence for each type', () => {
    const line = (type: LifecycleEventType) => renderMail([EXAMPLES[type]], context).text.split('\n')[3].trim();
    expect(line('token.updated')).toBe('Settings changed: name, expiry.');
    expect(line('token.reset')).toBe('Auth Token reset; the previous one works until 2026-10-05 09:10 UTC.');
    expect(line('token.upgraded')).toBe('Upgraded from API version 12 to 14; scopes no longer available: retired.');
    expect(line('token.expiring')).toBe('Expires in 1 day, at 2026-10-06 08:10 UTC.');
    expect(line('token.canary_used')).toBe('Canary used: GET /Advertisers/IRabc/Actions from 198.51.100.7, user agent curl/8.5.0, with its own Auth Token; 3 more uses since the previous alert.');
    expect(line('token.unused')).toBe('Unused for 30 days: no authenticated use since 2026-09-05 08:10 UTC (never used).');
    expect(line('token.exposed')).toBe('Auth Token reported public by github: found in content at https://github.com/o/r/blob/x/.env; Sidekey disabled the token. Reset its Auth Token before you enable it again.');
  });

  it('a subject names what happened in a few words, whatever the values in the sentence', () => {
    const subject = (type: LifecycleEventType) => renderMail([EXAMPLES[type]], context).subject.split(' — ')[1];
    expect(subject('token.exposed')).toBe('Auth Token reported public by github');
    expect(subject('token.canary_used')).toBe('Canary used');
    expect(subject('token.unused')).toBe('Unused for 30 days');
  });

  it('a digest lists every event, oldest first, under one subject', () => {
    const mail = renderMail([EXAMPLES['token.created'], EXAMPLES['token.disabled']], { ...context, delivery: 'daily' });
    expect(mail.subject).toBe('Sidekey: 2 token events (daily digest)');
    expect(mail.text.indexOf('Created.')).toBeLessThan(mail.text.indexOf('Disabled:'));
  });
});

describe('who is mailed, and when', () => {
  it('the primary contact and developers the settings allow, each address once whatever its case', () => {
    const contacts = { primaryContact: 'Erin@Brand.test', developers: ['dev@brand.test', 'erin@brand.test', 'DEV@brand.test', ' '] };
    expect(recipientsOf('token.reset', contacts, DEFAULT_MAIL_SETTINGS)).toEqual(['Erin@Brand.test', 'dev@brand.test']);
    const quietDevelopers = settingsFromMuted('immediate', { developers: ['token.reset'] });
    expect(recipientsOf('token.reset', contacts, quietDevelopers)).toEqual(['Erin@Brand.test']);
    expect(recipientsOf('token.reset', { primaryContact: null, developers: [] }, DEFAULT_MAIL_SETTINGS)).toEqual([]);
  });

  it('immediate mail leaves at once; a digest when its UTC hour or day ends', () => {
    const now = Date.UTC(2026, 9, 5, 8, 10);
    expect(mailBatch('immediate', 'lev_1', now)).toEqual({ key: 'lev_1', sendAt: now });
    expect(mailBatch('hourly', 'lev_1', now)).toEqual({ key: `hourly:${Date.UTC(2026, 9, 5, 8)}`, sendAt: Date.UTC(2026, 9, 5, 9) });
    expect(mailBatch('daily', 'lev_1', now)).toEqual({ key: `daily:${Date.UTC(2026, 9, 5)}`, sendAt: Date.UTC(2026, 9, 5) + DAY_MS });
  });
});
