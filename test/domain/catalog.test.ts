import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import {
  describeCatalog,
  isScopeInVersion,
  parseCatalog,
  scopesMissingInVersion,
} from '../../src/domain/catalog.js';

const rawBrand = JSON.parse(readFileSync(new URL('../../catalog/brand.json', import.meta.url), 'utf8'));
const brand = parseCatalog(rawBrand);

const minimal = (overrides: Record<string, unknown> = {}) => ({
  versions: [{ version: 1, releasedOn: '2024-01-01' }],
  categories: [{ name: 'Things', scopes: [{ id: 'listThings', name: 'List things', method: 'GET', path: '/Things' }] }],
  ...overrides,
});

const problemsOf = (raw: unknown): string => {
  try {
    parseCatalog(raw);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the catalog was accepted');
};

describe('the shipped brand catalog', () => {
  it('has versions 11-14 with their release dates, 14 the latest', () => {
    expect(brand.versions).toEqual([
      { version: 11, releasedOn: '2022-10-12' },
      { version: 12, releasedOn: '2024-05-06' },
      { version: 13, releasedOn: '2025-03-01' },
      { version: 14, releasedOn: '2026-06-01' },
    ]);
    expect(brand.latestVersion).toBe(14);
    expect(brand.defaultRateLimit).toEqual({ limit: 1000, windowSeconds: 3600 });
  });

  it('holds the 29 categories and 118 scopes of Brand API v14, each with a unique id', () => {
    expect(brand.categories).toHaveLength(29);
    expect(brand.scopesById.size).toBe(118);
    const ids = brand.categories.flatMap((c) => c.scopes.map((s) => s.id));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('Promo Code Exception Lists and Contracts POST/DELETE exist only from version 13', () => {
    const promo = brand.categories.find((c) => c.name === 'Promo Code Exception Lists')!;
    expect(promo.scopes.length).toBeGreaterThan(0);
    for (const s of promo.scopes) {
      expect(s.since).toBe(13);
      expect(isScopeInVersion(s, 12)).toBe(false);
      expect(isScopeInVersion(s, 13)).toBe(true);
    }
    const contracts = brand.categories.find((c) => c.name === 'Contracts')!;
    const writes = contracts.scopes.filter((s) => s.method === 'POST' || s.method === 'DELETE');
    expect(writes.map((s) => s.id).sort()).toEqual(['acceptContract', 'declineContract']);
    for (const s of writes) expect(s.since).toBe(13);
    for (const s of contracts.scopes.filter((x) => x.method === 'GET')) expect(s.since).toBeUndefined();
    expect(scopesMissingInVersion(brand, ['acceptContract', 'listContracts'], 12)).toEqual(['acceptContract']);
    expect(scopesMissingInVersion(brand, ['acceptContract', 'listContracts'], 13)).toEqual([]);
  });

  it('ids are stable: parsing the same data twice gives the same ids in the same order', () => {
    const again = parseCatalog(JSON.parse(JSON.stringify(rawBrand)));
    expect([...again.scopesById.keys()]).toEqual([...brand.scopesById.keys()]);
    expect(describeCatalog(again)).toEqual(describeCatalog(brand));
    // The ids are the data's own, not positions: reordering categories keeps every id on its endpoint.
    const reversed = parseCatalog({ ...rawBrand, categories: [...rawBrand.categories].reverse() });
    for (const [id, scope] of brand.scopesById) expect({ ...reversed.scopesById.get(id), category: scope.category }).toEqual(scope);
  });

  it('the wire shape lists versions with a latest flag and scopes with since only where set', () => {
    const wire = describeCatalog(brand);
    expect(wire.versions.filter((v) => v.latest)).toEqual([{ version: 14, releasedOn: '2026-06-01', latest: true }]);
    const accept = wire.categories.flatMap((c) => c.scopes).find((s) => s.id === 'acceptContract')!;
    expect(accept).toEqual({ id: 'acceptContract', name: accept.name, method: 'POST', path: '/Advertisers/{AccountSID}/Programs/{ProgramId}/Contracts', since: 13 });
    const home = wire.categories.flatMap((c) => c.scopes).find((s) => s.id === 'getAccountHome')!;
    expect(Object.keys(home).sort()).toEqual(['id', 'method', 'name', 'path']);
  });
});

describe('parseCatalog refuses a bad catalog and says where', () => {
  it.each([
    ['not an object', null, 'expected a JSON object'],
    ['no versions', minimal({ versions: [] }), 'versions: at least one version is required'],
    ['a non-integer version', minimal({ versions: [{ version: 1.5, releasedOn: '2024-01-01' }] }), 'bad version 1.5'],
    ['a bad release date', minimal({ versions: [{ version: 1, releasedOn: '1/1/2024' }] }), 'versions[1]: releasedOn must be YYYY-MM-DD'],
    ['no scopes at all', minimal({ categories: [] }), 'categories: at least one scope is required'],
    ['a category without a name', minimal({ categories: [{ scopes: [{ id: 'a', name: 'A', method: 'GET', path: '/a' }] }] }), 'categories[0]: name is required'],
    ['a bad scope id', minimal({ categories: [{ name: 'C', scopes: [{ id: 'has space', name: 'A', method: 'GET', path: '/a' }] }] }), 'categories[0].scopes[0]: id must be 1-100 of'],
    [
      'a duplicate id',
      minimal({ categories: [{ name: 'C', scopes: [{ id: 'a', name: 'A', method: 'GET', path: '/a' }, { id: 'a', name: 'B', method: 'POST', path: '/a' }] }] }),
      'categories[0].scopes[1]: duplicate id "a"',
    ],
    ['an unknown method', minimal({ categories: [{ name: 'C', scopes: [{ id: 'a', name: 'A', method: 'FETCH', path: '/a' }] }] }), 'categories[0].scopes[0]: method must be one of GET, POST, PUT, PATCH, DELETE'],
    ['a relative path', minimal({ categories: [{ name: 'C', scopes: [{ id: 'a', name: 'A', method: 'GET', path: 'a' }] }] }), 'categories[0].scopes[0]: path must start with /'],
    ['a scope without a name', minimal({ categories: [{ name: 'C', scopes: [{ id: 'a', method: 'GET', path: '/a' }] }] }), 'categories[0].scopes[0]: name is required'],
    ['since a version not listed', minimal({ categories: [{ name: 'C', scopes: [{ id: 'a', name: 'A', method: 'GET', path: '/a', since: 7 }] }] }), 'categories[0].scopes[0]: since 7 is not a listed version'],
    ['until a version not listed', minimal({ categories: [{ name: 'C', scopes: [{ id: 'a', name: 'A', method: 'GET', path: '/a', until: 0 }] }] }), 'categories[0].scopes[0]: until 0 is not a listed version'],
    ['a bad default rate limit', minimal({ defaultRateLimit: { limit: 0, windowSeconds: 60 } }), 'defaultRateLimit: needs positive integers limit and windowSeconds'],
    [
      'a bad scope rate limit',
      minimal({ categories: [{ name: 'C', scopes: [{ id: 'a', name: 'A', method: 'GET', path: '/a', rateLimit: { limit: 5, windowSeconds: -1 } }] }] }),
      'categories[0].scopes[0].rateLimit: needs positive integers',
    ],
  ])('%s', (_what, raw, expected) => {
    expect(problemsOf(raw)).toContain(expected);
  });

  it('lists every problem at once, not just the first', () => {
    const message = problemsOf({
      versions: [{ version: 1, releasedOn: 'soon' }],
      categories: [{ name: 'C', scopes: [{ id: 'a', name: '', method: 'GET', path: 'x' }] }],
    });
    expect(message).toMatch(/^catalog is invalid:/);
    expect(message).toContain('releasedOn must be YYYY-MM-DD');
    expect(message).toContain('name is required');
    expect(message).toContain('path must start with /');
  });

  it('accepts a minimal catalog, defaulting the name and the rate limit; a category limit applies to its scopes', () => {
    const catalog = parseCatalog(
      minimal({
        versions: [{ version: 3, releasedOn: '2025-01-01' }, { version: 1, releasedOn: '2024-01-01' }],
        categories: [{ name: 'Exports', rateLimit: { limit: 100, windowSeconds: 86400 }, scopes: [{ id: 'export', name: 'Export', method: 'POST', path: '/Exports' }] }],
      }),
    );
    expect(catalog.name).toBe('API');
    expect(catalog.versions.map((v) => v.version)).toEqual([1, 3]);
    expect(catalog.latestVersion).toBe(3);
    expect(catalog.defaultRateLimit).toEqual({ limit: 1000, windowSeconds: 3600 });
    expect(catalog.scopesById.get('export')).toMatchObject({ category: 'Exports', rateLimit: { limit: 100, windowSeconds: 86400 } });
  });
});

describe('since/until', () => {
  const catalog = parseCatalog({
    versions: [1, 2, 3, 4].map((version) => ({ version, releasedOn: `202${version}-01-01` })),
    categories: [
      {
        name: 'C',
        scopes: [
          { id: 'always', name: 'Always', method: 'GET', path: '/a' },
          { id: 'from2', name: 'From 2', method: 'GET', path: '/b', since: 2 },
          { id: 'to3', name: 'Up to 3', method: 'GET', path: '/c', until: 3 },
          { id: 'only2to3', name: '2 to 3', method: 'GET', path: '/d', since: 2, until: 3 },
        ],
      },
    ],
  });
  it.each([
    [1, ['always', 'to3']],
    [2, ['always', 'from2', 'only2to3', 'to3']],
    [3, ['always', 'from2', 'only2to3', 'to3']],
    [4, ['always', 'from2']],
  ])('version %i has exactly %j', (version, expected) => {
    const present = [...catalog.scopesById.values()].filter((s) => isScopeInVersion(s, version)).map((s) => s.id).sort();
    expect(present).toEqual(expected);
    const all = [...catalog.scopesById.keys()];
    expect(scopesMissingInVersion(catalog, all, version).sort()).toEqual(all.filter((id) => !expected.includes(id)).sort());
  });

  it('an unknown id is missing in every version', () => {
    expect(scopesMissingInVersion(catalog, ['nope', 'always'], 2)).toEqual(['nope']);
  });
});
