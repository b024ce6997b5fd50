import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { parseCatalog } from '../../src/domain/catalog.js';
import { NAME_PATTERN } from '../../src/domain/fields.js';
import { LIMITS, duplicateName, isEmail, planUpgrade, validateSettings, type TokenSettingsInput } from '../../src/domain/token.js';
import { canManageTokens, isRole, ROLES, TOKEN_MANAGER_ROLES } from '../../src/domain/roles.js';
import { cidrContains, parseCidr } from '../../src/domain/cidr.js';
import { invalidInput, SidekeyError, toEnvelope } from '../../src/domain/errors.js';

const catalog = parseCatalog(JSON.parse(readFileSync(new URL('../../catalog/brand.json', import.meta.url), 'utf8')));
const NOW = Date.UTC(2026, 6, 15);
const create = (input: TokenSettingsInput) => validateSettings(input, { catalog, kind: 'scoped', apiVersion: input.apiVersion ?? 14, expiresAt: null, notBefore: null, nowMs: NOW, isCreate: true });
const fields = (input: TokenSettingsInput) => create(input).errors.map((e) => e.field);

describe('token settings validation', () => {
  it('a name is required (1-100 characters after trimming) on create, and only checked on edit when given', () => {
    expect(fields({})).toEqual(['name']);
    expect(fields({ name: '   ' })).toEqual(['name']);
    expect(fields({ name: 'x'.repeat(101) })).toEqual(['name']);
    expect(create({ name: `  ${'x'.repeat(100)}  ` }).settings.name).toBe('x'.repeat(100));
    const edit = validateSettings({ description: 'd' }, { catalog, kind: 'scoped', apiVersion: 14, expiresAt: null, notBefore: null, nowMs: NOW, isCreate: false });
    expect(edit.errors).toEqual([]);
    expect(edit.settings).toEqual({ description: 'd' });
  });

  it("the API schema's name pattern accepts exactly the names the rule accepts", () => {
    const pattern = new RegExp(NAME_PATTERN, 'u');
    const nameOf = fc.oneof(
      fc.string({ unit: fc.constantFrom(' ', '\t', '\n', '\u00a0', '\u2028', 'x', 'é'), maxLength: LIMITS.nameMax + 6 }),
      fc.tuple(fc.nat(4), fc.integer({ min: LIMITS.nameMax - 2, max: LIMITS.nameMax + 2 }), fc.nat(4)).map(([before, length, after]) => `${' '.repeat(before)}${'x'.repeat(length)}${' '.repeat(after)}`),
    );
    fc.assert(fc.property(nameOf, (name) => pattern.test(name) === (fields({ name }).length === 0)));
  });

  it('names every bad field at once', () => {
    const { errors } = create({
      name: '',
      description: 'd'.repeat(1001),
      apiVersion: 10,
      developerEmails: ['not-an-address'],
      expiresAt: 'tomorrow',
      notBefore: '2026-13-45',
      allowedCidrs: ['10.0.0.0/33'],
      rateLimit: { limit: 0, windowSeconds: 60 },
    });
    expect(errors.map((e) => e.field).sort()).toEqual(['allowedCidrs', 'apiVersion', 'description', 'developerEmails', 'expiresAt', 'name', 'notBefore', 'rateLimit.limit'].sort());
    expect(errors.find((e) => e.field === 'apiVersion')!.message).toBe('must be one of 11, 12, 13, 14');
    expect(errors.find((e) => e.field === 'developerEmails')!.message).toContain('not-an-address');
  });

  it('developer e-mails are trimmed, lower-cased, de-duplicated, valid and at most 20', () => {
    expect(create({ name: 'n', developerEmails: [' Dev@Example.com', 'dev@example.com', 'ops@example.com'] }).settings.developerEmails).toEqual(['dev@example.com', 'ops@example.com']);
    const twentyOne = Array.from({ length: 21 }, (_, i) => `dev${i}@example.com`);
    expect(create({ name: 'n', developerEmails: twentyOne }).errors).toEqual([{ field: 'developerEmails', message: 'at most 20 addresses' }]);
    expect(create({ name: 'n', developerEmails: twentyOne.slice(1) }).errors).toEqual([]);
    for (const bad of ['a@b', '@example.com', 'a b@example.com', 'a@-example.com', `${'a'.repeat(250)}@example.com`]) expect(isEmail(bad), bad).toBe(false);
    for (const good of ['a@b.co', "o'brien+api@mail.example.org", 'x_y.z@sub-domain.example.com']) expect(isEmail(good), good).toBe(true);
  });

  it('scopes must exist in the token version (since 13 scopes are refused on 12), and are stored sorted without repeats', () => {
    expect(create({ name: 'n', apiVersion: 12, scopes: ['acceptContract', 'listActions'] }).errors).toEqual([{ field: 'scopes', message: 'unknown in API version 12: acceptContract' }]);
    expect(create({ name: 'n', apiVersion: 13, scopes: ['listActions', 'acceptContract', 'listActions'] }).settings.scopes).toEqual(['acceptContract', 'listActions']);
    expect(fields({ name: 'n', scopes: ['noSuchScope'] })).toEqual(['scopes']);
  });

  it('legacy tokens carry no scopes', () => {
    const result = validateSettings({ scopes: ['listActions'] }, { catalog, kind: 'legacy_rw', apiVersion: 14, expiresAt: null, notBefore: null, nowMs: NOW, isCreate: false });
    expect(result.errors.map((e) => e.field)).toEqual(['scopes']);
    const empty = validateSettings({ scopes: [] }, { catalog, kind: 'legacy_ro', apiVersion: 14, expiresAt: null, notBefore: null, nowMs: NOW, isCreate: false });
    expect(empty.errors).toEqual([]);
  });

  it('expiresAt must be a future ISO instant; notBefore must come before it, also against the stored value', () => {
    expect(fields({ name: 'n', expiresAt: new Date(NOW - 1).toISOString() })).toEqual(['expiresAt']);
    expect(create({ name: 'n', expiresAt: '2030-01-01T00:00:00Z' }).settings.expiresAt).toBe(Date.UTC(2030, 0, 1));
    expect(fields({ name: 'n', expiresAt: '2030-01-01T00:00:00Z', notBefore: '2030-01-01T00:00:00Z' })).toEqual(['notBefore']);
    expect(fields({ name: 'n', expiresAt: '2030-01-02T00:00:00Z', notBefore: '2030-01-01T00:00:00Z' })).toEqual([]);
    const edit = validateSettings({ notBefore: '2031-01-01T00:00:00Z' }, { catalog, kind: 'scoped', apiVersion: 14, expiresAt: Date.UTC(2030, 0, 1), notBefore: null, nowMs: NOW, isCreate: false });
    expect(edit.errors.map((e) => e.field)).toEqual(['notBefore']);
    const clear = validateSettings({ expiresAt: null }, { catalog, kind: 'scoped', apiVersion: 14, expiresAt: Date.UTC(2030, 0, 1), notBefore: null, nowMs: NOW, isCreate: false });
    expect(clear.settings).toEqual({ expiresAt: null });
    expect(fields({ name: 'n', expiresAt: '1735689600000' })).toEqual(['expiresAt']);
  });

  it('an instant needs a time zone and a real calendar date; any offset is accepted and normalised to UTC', () => {
    expect(create({ name: 'n', expiresAt: '2030-01-31T23:00:00-02:00' }).settings.expiresAt).toBe(Date.UTC(2030, 1, 1, 1));
    expect(create({ name: 'n', expiresAt: '2030-01-31T00:00:00.123456Z' }).settings.expiresAt).toBe(Date.UTC(2030, 0, 31, 0, 0, 0, 123));
    expect(create({ name: 'n', expiresAt: '2030-01-31T10:30z' }).settings.expiresAt).toBe(Date.UTC(2030, 0, 31, 10, 30));
    expect(create({ name: 'n', expiresAt: '2032-02-29T00:00:00Z' }).errors).toEqual([]);
    for (const bad of ['2030-02-31T00:00:00Z', '2031-02-29T00:00:00Z', '2030-13-01T00:00:00Z', '2030-01-31T00:00:00', '2030-01-31', '2030-01-31T25:00:00Z', ' 2030-01-31T00:00:00Z']) {
      expect(create({ name: 'n', expiresAt: bad }).errors, bad).toEqual([{ field: 'expiresAt', message: 'must be an ISO 8601 date-time with a time zone, e.g. 2027-01-31T00:00:00Z' }]);
    }
  });

  it('allowed CIDRs are IPv4/IPv6 addresses or ranges, trimmed and de-duplicated, at most 50', () => {
    expect(create({ name: 'n', allowedCidrs: [' 10.0.0.0/8', '10.0.0.0/8', '2001:db8::/32', '192.0.2.7', ''] }).settings.allowedCidrs).toEqual(['10.0.0.0/8', '2001:db8::/32', '192.0.2.7']);
    expect(create({ name: 'n', allowedCidrs: ['10.0.0.0/8', 'example.com', '1.2.3.4/33'] }).errors[0].message).toBe('not valid IPv4/IPv6 addresses or CIDR ranges: example.com, 1.2.3.4/33');
    expect(fields({ name: 'n', allowedCidrs: Array.from({ length: 51 }, (_, i) => `10.0.${i}.0/24`) })).toEqual(['allowedCidrs']);
  });

  it('a rate limit is positive integers within bounds, or null for the default', () => {
    expect(create({ name: 'n', rateLimit: { limit: 10, windowSeconds: 60 } }).settings.rateLimit).toEqual({ limit: 10, windowSeconds: 60 });
    expect(create({ name: 'n', rateLimit: null }).settings.rateLimit).toBeNull();
    expect(fields({ name: 'n', rateLimit: { limit: LIMITS.rateLimitMax + 1, windowSeconds: 60 } })).toEqual(['rateLimit.limit']);
    expect(fields({ name: 'n', rateLimit: { limit: 10, windowSeconds: 0 } })).toEqual(['rateLimit.windowSeconds']);
    expect(fields({ name: 'n', rateLimit: { limit: 1.5, windowSeconds: 60 } })).toEqual(['rateLimit.limit']);
  });

  it('never throws, whatever strings it is given', () => {
    fc.assert(
      fc.property(
        fc.record({
          name: fc.option(fc.string({ maxLength: 120 }), { nil: undefined }),
          description: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
          developerEmails: fc.option(fc.array(fc.string({ maxLength: 30 }), { maxLength: 3 }), { nil: undefined }),
          scopes: fc.option(fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }), { nil: undefined }),
          expiresAt: fc.option(fc.string({ maxLength: 30 }), { nil: undefined }),
          notBefore: fc.option(fc.string({ maxLength: 30 }), { nil: undefined }),
          allowedCidrs: fc.option(fc.array(fc.string({ maxLength: 45 }), { maxLength: 3 }), { nil: undefined }),
        }),
        (input) => {
          const { errors } = create(input);
          for (const e of errors) expect(e.message.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('upgrade plans', () => {
  const versioned = parseCatalog({
    versions: [1, 2, 3].map((version) => ({ version, releasedOn: `202${version}-01-01` })),
    categories: [
      {
        name: 'C',
        scopes: [
          { id: 'keep', name: 'Keep', method: 'GET', path: '/k' },
          { id: 'retired', name: 'Retired after 1', method: 'GET', path: '/r', until: 1 },
          { id: 'retiredLater', name: 'Retired after 2', method: 'GET', path: '/r2', until: 2 },
        ],
      },
    ],
  });

  it('only moves forward to a listed version, and reports the scopes that do not exist there', () => {
    expect(planUpgrade(versioned, { kind: 'scoped', apiVersion: 1, scopes: ['keep', 'retired', 'retiredLater'] }, 2)).toEqual({ errors: [], kept: ['keep', 'retiredLater'], dropped: ['retired'] });
    expect(planUpgrade(versioned, { kind: 'scoped', apiVersion: 1, scopes: ['keep', 'retired', 'retiredLater'] }, 3)).toEqual({ errors: [], kept: ['keep'], dropped: ['retired', 'retiredLater'] });
    expect(planUpgrade(versioned, { kind: 'scoped', apiVersion: 2, scopes: [] }, 2).errors).toEqual([{ field: 'apiVersion', message: "must be newer than the token's version 2" }]);
    expect(planUpgrade(versioned, { kind: 'scoped', apiVersion: 2, scopes: [] }, 1).errors[0].field).toBe('apiVersion');
    expect(planUpgrade(versioned, { kind: 'scoped', apiVersion: 2, scopes: [] }, 9).errors).toEqual([{ field: 'apiVersion', message: 'must be one of 1, 2, 3' }]);
  });

  it('on the brand catalog nothing is dropped moving 11 → 14 (no scope has an until)', () => {
    expect(planUpgrade(catalog, { kind: 'scoped', apiVersion: 11, scopes: ['listActions', 'getActionById'] }, 14)).toEqual({ errors: [], kept: ['listActions', 'getActionById'], dropped: [] });
  });
});

describe('duplicate names', () => {
  it('are "Copy of …", kept within 100 characters', () => {
    expect(duplicateName('Looker')).toBe('Copy of Looker');
    expect(duplicateName('x'.repeat(100))).toHaveLength(100);
    expect(duplicateName('x'.repeat(100)).startsWith('Copy of ')).toBe(true);
  });
});

describe('roles', () => {
  it('only Account Administrator and Implementation Specialist manage tokens', () => {
    expect(ROLES).toHaveLength(6);
    expect(ROLES.filter(canManageTokens)).toEqual(['account_administrator', 'implementation_specialist']);
    expect([...TOKEN_MANAGER_ROLES]).toEqual(['account_administrator', 'implementation_specialist']);
    expect(isRole('finance')).toBe(true);
    expect(isRole('Finance')).toBe(false);
    expect(isRole('owner')).toBe(false);
  });
});

describe('CIDRs', () => {
  it.each([
    ['10.0.0.0/8', '10.255.1.2', true],
    ['10.0.0.0/8', '11.0.0.1', false],
    ['192.0.2.7', '192.0.2.7', true],
    ['192.0.2.7', '192.0.2.8', false],
    ['0.0.0.0/0', '203.0.113.9', true],
    ['10.0.0.0/8', '::ffff:10.1.2.3', true],
    ['2001:db8::/32', '2001:db8:abcd::1', true],
    ['2001:db8::/32', '2001:db9::1', false],
    ['::/0', '::1', true],
    ['::1', '::1', true],
    ['10.0.0.0/8', '2001:db8::1', false],
    ['::ffff:0:0/96', '::ffff:1.2.3.4', false],
    ['64:ff9b::/96', '64:ff9b::192.0.2.1', true],
  ])('%s contains %s: %s', (cidr, ip, expected) => {
    expect(cidrContains(parseCidr(cidr)!, ip)).toBe(expected);
  });

  it('a host address is within its own /32 or /128, and outside the next address over', () => {
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        expect(cidrContains(parseCidr(`${ip}/32`)!, ip)).toBe(true);
        expect(cidrContains(parseCidr(`${ip}/0`)!, ip)).toBe(true);
      }),
    );
    fc.assert(
      fc.property(fc.ipV6(), (ip) => {
        expect(parseCidr(ip)).toBeDefined();
        expect(cidrContains(parseCidr(`${ip}/128`)!, ip)).toBe(true);
      }),
    );
  });

  it('rejects what is not an address or range', () => {
    for (const bad of ['', '10.0.0.0/33', '10.0.0.0/-1', '10.0.0/8', '2001:db8::/129', 'fe80::1%eth0', '10.0.0.0/8/8', 'example.com', '10.0.0.0/ 8', '10.0.0.0/08x']) {
      expect(parseCidr(bad), bad).toBeUndefined();
    }
  });
});

describe('errors', () => {
  it('become the impact.com envelope, naming each field', () => {
    const error = invalidInput([{ field: 'name', message: 'is required' }]);
    expect(error).toBeInstanceOf(SidekeyError);
    expect(error.status).toBe(400);
    expect(toEnvelope(error.message, error.fields)).toEqual({ Status: 'ERROR', Message: 'The request has invalid fields.', Errors: [{ Field: 'name', Message: 'is required' }] });
  });
});
