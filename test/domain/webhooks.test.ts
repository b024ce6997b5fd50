/** The webhook rules as pure functions: which addresses a delivery may reach, what a URL may be, the signature, the retry schedule. */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DAY_MS, RETRY, dueExpiryNotice, nextAttemptAt } from '../../src/domain/lifecycle-events.js';
import { isPublicAddress, signatureHeader, webhookUrlProblem } from '../../src/domain/webhooks.js';

describe('webhook targets', () => {
  it('refuses every address an attacker would aim a server-side request at', () => {
    const internal = [
      '127.0.0.1', '127.1.2.3', '::1', '0.0.0.0', '0.1.2.3', '::',
      '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1', 'fd12:3456::1', 'fc00::1',
      '169.254.169.254', 'fe80::1', 'fe80::1%eth0', '100.64.0.1', '100.127.255.254',
      '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:a9fe:a9fe', '::127.0.0.1', '64:ff9b::7f00:1', '2002:7f00:1::',
      '224.0.0.1', 'ff02::1', '255.255.255.255', '240.0.0.1', '198.18.0.1', '192.0.2.1',
    ];
    for (const address of internal) expect(isPublicAddress(address), address).toBe(false);
  });

  it('lets public addresses through, including neighbours of the refused ranges', () => {
    for (const address of ['93.184.215.14', '8.8.8.8', '172.32.0.1', '172.15.255.255', '100.128.0.1', '169.255.0.1', '11.0.0.1', '2606:4700::1111', '2001:4860:4860::8888']) expect(isPublicAddress(address), address).toBe(true);
  });

  it('accepts http(s) URLs with a host only: no credentials, no fragment, no other scheme', () => {
    expect(webhookUrlProblem('https://hooks.example.com/sidekey?key=abc')).toBeUndefined();
    expect(webhookUrlProblem('http://example.com:8080/')).toBeUndefined();
    for (const url of ['ftp://example.com/', 'file:///etc/passwd', 'javascript:alert(1)', 'https://user:pw@example.com/', 'https://user@example.com/', 'https://example.com/#frag', 'not a url', `https://example.com/${'a'.repeat(2048)}`]) expect(webhookUrlProblem(url), url).toBeDefined();
  });
});

describe('signature', () => {
  it('is t= and one v1= per secret: HMAC-SHA256 over the timestamp, a dot and the body, keyed by the secret text', () => {
    const body = '{"id":"lev_1","type":"token.created"}';
    const v1 = (secret: string) => createHmac('sha256', secret).update(`1700000000.${body}`).digest('hex');
    expect(signatureHeader(['whsec_new'], 1_700_000_000, body)).toBe(`t=1700000000,v1=${v1('whsec_new')}`);
    expect(signatureHeader(['whsec_new', 'whsec_old'], 1_700_000_000, body)).toBe(`t=1700000000,v1=${v1('whsec_new')},v1=${v1('whsec_old')}`);
    expect(signatureHeader(['whsec_new'], 1_700_000_000, `${body} `)).not.toBe(signatureHeader(['whsec_new'], 1_700_000_000, body));
  });
});

describe('retry schedule', () => {
  it('doubles from 30 s to an hour, with jitter between half and all of it, and stops 24 h after the delivery was made', () => {
    const created = 0;
    expect(nextAttemptAt(created, 1, 0, 0)).toBe(15_000);
    expect(nextAttemptAt(created, 1, 0, 0.5)).toBe(22_500);
    expect(nextAttemptAt(created, 1, 0, 0.999_999)).toBeLessThanOrEqual(30_000);
    expect(nextAttemptAt(created, 2, 0, 0)).toBe(30_000);
    expect(nextAttemptAt(created, 3, 0, 0)).toBe(60_000);
    expect(nextAttemptAt(created, 8, 0, 0)).toBe(RETRY.maxDelayMs / 2);
    expect(nextAttemptAt(created, 30, 0, 0)).toBe(RETRY.maxDelayMs / 2);
    expect(nextAttemptAt(created, 30, DAY_MS - RETRY.maxDelayMs / 2, 0)).toBe(DAY_MS);
    expect(nextAttemptAt(created, 30, DAY_MS - RETRY.maxDelayMs / 2 + 1, 0)).toBeNull();
  });
});

describe('expiry notices', () => {
  const expiresAt = 100 * DAY_MS;
  it('the nearest threshold reached, or expired at and after the expiry, or none yet', () => {
    expect(dueExpiryNotice(expiresAt, expiresAt - 31 * DAY_MS, [30, 7, 1])).toBeNull();
    expect(dueExpiryNotice(expiresAt, expiresAt - 30 * DAY_MS, [30, 7, 1])).toEqual({ daysBefore: 30 });
    expect(dueExpiryNotice(expiresAt, expiresAt - 5 * DAY_MS, [30, 7, 1])).toEqual({ daysBefore: 7 });
    expect(dueExpiryNotice(expiresAt, expiresAt - 1, [30, 7, 1])).toEqual({ daysBefore: 1 });
    expect(dueExpiryNotice(expiresAt, expiresAt, [30, 7, 1])).toEqual({ daysBefore: 0 });
    expect(dueExpiryNotice(expiresAt, expiresAt - DAY_MS, [])).toBeNull();
  });
});
