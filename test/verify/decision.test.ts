import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { generateAccountSid, generateAuthToken, hashSecret } from '../../src/domain/credentials.js';
import { parseCatalog } from '../../src/domain/catalog.js';
import { parseRequestTarget, type RequestTarget } from '../../src/domain/request-target.js';
import { accountSidInSegments, parseVersionText } from '../../src/domain/verification.js';
import { type CatalogRules, type RequestFacts, authorize as authorizeTarget, matchSecret, prepareCatalog } from '../../src/verify/decision.js';
import { EntryFactory, type CachedToken } from '../../src/verify/entry.js';
import { freshToken, type StoredToken } from '../../src/tokens/repository.js';
import { brandCatalog } from './helpers.js';

const hashKey = randomBytes(32);
const catalog = brandCatalog();
const rules = prepareCatalog(catalog);
const entries = new EntryFactory(catalog);
const NOW = Date.parse('2026-07-01T12:00:00Z');

function entry(overrides: Partial<StoredToken & { apiAccessEnabled: boolean }> = {}, secret = generateAuthToken()): CachedToken {
  const row = {
    ...freshToken({
      id: 'tok_1',
      accountId: 'acc_1',
      kind: 'scoped',
      accountSid: generateAccountSid('IR'),
      name: 'Nightly sync',
      apiVersion: 14,
      scopes: ['listActions', 'getActionById'],
      createdAt: NOW,
      secretHash: hashSecret(secret, hashKey),
    }),
    apiAccessEnabled: true,
    ...overrides,
  };
  return entries.make(row, { dropped: false });
}

function parsed(path: string): RequestTarget {
  const target = parseRequestTarget(path);
  if (target.refused) throw new Error(`${path} is refused: ${target.reason}`);
  return target;
}

/** authorize() on a target given as the client sent it. */
const authorize = (e: CachedToken, request: RequestFacts & { path: string }, on: CatalogRules, now: number) => authorizeTarget(e, request, parsed(request.path), on, now);

const request = (e: CachedToken, rest = '/Actions', method = 'GET', extra: { apiVersion?: string | number; ip?: string } = {}) => ({ method, path: `/Advertisers/${e.accountSid}${rest}`, ...extra });

describe('authorize: the order of precedence', () => {
  it('allows a granted scope and names the scope it matched', () => {
    const e = entry();
    const answer = authorize(e, request(e, '/Actions/123'), rules, NOW);
    expect(answer).toMatchObject({ code: 'ALLOWED', apiVersion: 14, scope: { id: 'getActionById' } });
  });

  it('a path naming another Account SID is a 401, even for an otherwise perfect request', () => {
    const e = entry();
    const other = generateAccountSid('IR');
    expect(authorize(e, { method: 'GET', path: `/Advertisers/${other}/Actions` }, rules, NOW).code).toBe('INVALID_CREDENTIALS');
  });

  it('API access off beats disabled, disabled beats expired, expired beats IP, IP beats version, version beats scope', () => {
    const worst = { apiAccessEnabled: false, state: 'disabled' as const, expiresAt: NOW - 1, allowedCidrs: ['10.0.0.0/8'] };
    const req = (e: CachedToken) => request(e, '/Campaigns', 'DELETE', { apiVersion: 99, ip: '192.0.2.1' });
    let e = entry(worst);
    expect(authorize(e, req(e), rules, NOW).code).toBe('API_ACCESS_DISABLED');
    e = entry({ ...worst, apiAccessEnabled: true });
    expect(authorize(e, req(e), rules, NOW).code).toBe('TOKEN_DISABLED');
    e = entry({ ...worst, apiAccessEnabled: true, state: 'enabled' });
    expect(authorize(e, req(e), rules, NOW).code).toBe('TOKEN_EXPIRED');
    e = entry({ allowedCidrs: ['10.0.0.0/8'] });
    expect(authorize(e, req(e), rules, NOW).code).toBe('IP_NOT_ALLOWED');
    e = entry();
    expect(authorize(e, req(e), rules, NOW).code).toBe('VERSION_UNSUPPORTED');
    expect(authorize(e, request(e, '/Campaigns', 'DELETE'), rules, NOW).code).toBe('INSUFFICIENT_SCOPE');
  });

  it('is not valid before notBefore, and expires at expiresAt exactly', () => {
    const early = entry({ notBefore: NOW + 1 });
    expect(authorize(early, request(early), rules, NOW).code).toBe('TOKEN_NOT_YET_VALID');
    const ends = entry({ expiresAt: NOW });
    expect(authorize(ends, request(ends), rules, NOW).code).toBe('TOKEN_EXPIRED');
    expect(authorize(ends, request(ends), rules, NOW - 1).code).toBe('ALLOWED');
  });

  it('an IP allow-list admits addresses in its ranges (IPv4 and IPv6) and refuses an unknown address', () => {
    const e = entry({ allowedCidrs: ['203.0.113.0/24', '2001:db8::/32'] });
    expect(authorize(e, request(e, '/Actions', 'GET', { ip: '203.0.113.9' }), rules, NOW).code).toBe('ALLOWED');
    expect(authorize(e, request(e, '/Actions', 'GET', { ip: '2001:db8::1' }), rules, NOW).code).toBe('ALLOWED');
    expect(authorize(e, request(e, '/Actions', 'GET', { ip: '198.51.100.1' }), rules, NOW).code).toBe('IP_NOT_ALLOWED');
    expect(authorize(e, request(e), rules, NOW).code).toBe('IP_NOT_ALLOWED');
  });
});

describe('authorize: scopes and versions', () => {
  it('names the scope an endpoint needs: id, name, method and path template', () => {
    const e = entry();
    const answer = authorize(e, request(e, '/Actions', 'PUT'), rules, NOW);
    expect(answer.code).toBe('INSUFFICIENT_SCOPE');
    expect(answer.scope).toMatchObject({ id: 'updateActionOrItems', name: 'Update action', method: 'PUT', path: '/Advertisers/{AccountSID}/Actions' });
    expect(answer.detail?.message).toContain('updateActionOrItems');
  });

  it('an endpoint no scope covers is refused without naming one', () => {
    const e = entry();
    const answer = authorize(e, request(e, '/NoSuchThing'), rules, NOW);
    expect(answer).toMatchObject({ code: 'INSUFFICIENT_SCOPE', scope: undefined });
  });

  it('uses the version the request names (header, then IrVersion query) and that version\'s catalog', () => {
    const e = entry({ apiVersion: 14, scopes: ['acceptContract'] });
    const path = '/Programs/5/Contracts';
    expect(authorize(e, request(e, path, 'POST'), rules, NOW).code).toBe('ALLOWED');
    // acceptContract exists since version 13: in version 12 no scope covers the endpoint.
    expect(authorize(e, request(e, path, 'POST', { apiVersion: '12' }), rules, NOW)).toMatchObject({ code: 'INSUFFICIENT_SCOPE', apiVersion: 12 });
    expect(authorize(e, request(e, `${path}?IrVersion=12`, 'POST'), rules, NOW)).toMatchObject({ code: 'INSUFFICIENT_SCOPE', apiVersion: 12 });
    expect(authorize(e, request(e, `${path}?irversion=13&x=1`, 'POST'), rules, NOW)).toMatchObject({ code: 'ALLOWED', apiVersion: 13 });
    expect(authorize(e, request(e, path, 'POST', { apiVersion: 'v13' }), rules, NOW)).toMatchObject({ code: 'ALLOWED', apiVersion: 13 });
  });

  it('refuses versions the catalog does not list, and values that are not versions', () => {
    const e = entry();
    for (const apiVersion of ['10', '15', 'latest', 0]) expect(authorize(e, request(e, '/Actions', 'GET', { apiVersion }), rules, NOW).code).toBe('VERSION_UNSUPPORTED');
    expect(authorize(e, request(e, '/Actions?IrVersion=%E0%A4'), rules, NOW).code).toBe('VERSION_UNSUPPORTED');
  });

  it('the most specific template wins: a literal segment beats a {param}', () => {
    const small = prepareCatalog(
      parseCatalog({
        versions: [{ version: 1, releasedOn: '2024-01-01' }],
        categories: [
          {
            name: 'Reports',
            scopes: [
              { id: 'getReport', name: 'Retrieve report', method: 'GET', path: '/Advertisers/{AccountSID}/Reports/{ReportId}' },
              { id: 'exportReports', name: 'Export reports', method: 'GET', path: '/Advertisers/{AccountSID}/Reports/Export' },
            ],
          },
        ],
      }),
    );
    const e = entry({ scopes: ['getReport'], apiVersion: 1 });
    expect(authorize(e, request(e, '/Reports/42'), small, NOW).code).toBe('ALLOWED');
    expect(authorize(e, request(e, '/Reports/Export'), small, NOW)).toMatchObject({ code: 'INSUFFICIENT_SCOPE', scope: { id: 'exportReports' } });
  });

  it('legacy Read/Write reaches every catalog endpoint of its account; legacy Read-Only every GET (and HEAD) but nothing else', () => {
    const rw = entry({ kind: 'legacy_rw', scopes: [] });
    expect(authorize(rw, request(rw, '/Catalogs/1/Items/2', 'DELETE'), rules, NOW).code).toBe('ALLOWED');
    expect(authorize(rw, request(rw, '/Campaigns/1', 'DELETE'), rules, NOW).code).toBe('INSUFFICIENT_SCOPE');
    const ro = entry({ kind: 'legacy_ro', scopes: [] });
    expect(authorize(ro, request(ro, '/Campaigns'), rules, NOW).code).toBe('ALLOWED');
    expect(authorize(ro, request(ro, '/Campaigns', 'HEAD'), rules, NOW).code).toBe('ALLOWED');
    const put = authorize(ro, request(ro, '/Actions', 'PUT'), rules, NOW);
    expect(put).toMatchObject({ code: 'INSUFFICIENT_SCOPE', scope: { id: 'updateActionOrItems' } });
    expect(put.detail?.message).toContain('Read-Only');
  });

  it('legacy tokens are account-wide, never path-blind: a path the catalog does not know is refused', () => {
    for (const kind of ['legacy_rw', 'legacy_ro'] as const) {
      const e = entry({ kind, scopes: [] });
      expect(authorize(e, { method: 'GET', path: '/' }, rules, NOW).code, kind).toBe('INSUFFICIENT_SCOPE');
      expect(authorize(e, { method: 'GET', path: '/Somewhere/Else' }, rules, NOW).code, kind).toBe('INSUFFICIENT_SCOPE');
      expect(authorize(e, request(e, '/NoSuchThing'), rules, NOW).code, kind).toBe('INSUFFICIENT_SCOPE');
      expect(authorize(e, { method: 'GET', path: `/Advertisers/${generateAccountSid('IR')}/Actions` }, rules, NOW).code, kind).toBe('INVALID_CREDENTIALS');
    }
  });

  it('a literal segment in another letter case than the catalog spells it is refused, whoever the token is', () => {
    const rw = entry({ kind: 'legacy_rw', scopes: [] });
    const other = generateAccountSid('IR');
    expect(authorize(rw, { method: 'GET', path: `/advertisers/${other}/Actions` }, rules, NOW).code).toBe('REQUEST_TARGET_REFUSED');
    expect(authorize(rw, request(rw, '/actions'), rules, NOW).code).toBe('REQUEST_TARGET_REFUSED');
  });
});

describe('matchSecret', () => {
  it('accepts the current secret (then from the memo), the previous one only inside its grace window', () => {
    const current = generateAuthToken();
    const previous = generateAuthToken();
    const e = entry({ previousSecretHash: hashSecret(previous, hashKey), previousSecretExpiresAt: NOW + 1000 }, current);
    expect(matchSecret(e, current, hashKey, NOW)).toBe('current');
    e.rememberSecret(current);
    expect(matchSecret(e, current, hashKey, NOW)).toBe('current');
    expect(matchSecret(e, previous, hashKey, NOW)).toBe('previous');
    expect(matchSecret(e, previous, hashKey, NOW + 1000)).toBe('none');
    expect(matchSecret(e, generateAuthToken(), hashKey, NOW)).toBe('none');
  });

  it('the memo takes the place of the hash; a value as long as a hash is never taken for a memo', () => {
    const current = generateAuthToken();
    const e = entry({}, current);
    const hash = e.secretHash;
    e.rememberSecret('x'.repeat(hash!.length));
    expect([e.secretHash, e.acceptedAuthToken]).toEqual([hash, undefined]);
    expect(matchSecret(e, current, hashKey, NOW)).toBe('current');
    e.rememberSecret(current);
    expect([e.secretHash, e.acceptedAuthToken]).toEqual([undefined, current]);
  });
});

describe('request-shape rules', () => {
  it('parses version texts', () => {
    expect(parseVersionText(undefined)).toBeUndefined();
    expect(parseVersionText('')).toBeUndefined();
    expect(parseVersionText('13')).toBe(13);
    expect(parseVersionText(' v12 ')).toBe(12);
    expect(parseVersionText('thirteen')).toBeNaN();
    expect(parseVersionText(1.5)).toBeNaN();
  });

  it('finds the Account SID after the catalog root, spelled as the catalog spells it', () => {
    const sid = (path: string) => accountSidInSegments(parsed(path).segments, rules.accountRoots);
    expect(sid('/Advertisers/IRabc/Actions')).toBe('IRabc');
    expect(sid('/%41dvertisers/IRabc?x=1')).toBe('IRabc');
    expect(sid('/advertisers/IRabc')).toBeUndefined();
    expect(sid('/Advertisers')).toBeUndefined();
    expect(sid('/Other/IRabc')).toBeUndefined();
  });
});
