import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { type Scope, isScopeInVersion, parseCatalog, splitPath } from '../../src/domain/catalog.js';
import { LETTER_CASE_DIFFERS, RouteTable, compileRouteTables } from '../../src/domain/routes.js';
import { oracleMatch } from '../support/route-oracle.js';

const brand = parseCatalog(JSON.parse(readFileSync(new URL('../../catalog/brand.json', import.meta.url), 'utf8')));
const scope = (id: string, method: Scope['method'], path: string): Scope => ({ id, name: id, method, path, category: 'C' });
const segmentsOf = (path: string) => path.split('/').filter(Boolean);

describe('the route table', () => {
  const table = new RouteTable([
    scope('listItems', 'GET', '/Accounts/{AccountSID}/Items'),
    scope('getItem', 'GET', '/Accounts/{AccountSID}/Items/{ItemId}'),
    scope('getItemSummary', 'GET', '/Accounts/{AccountSID}/Items/Summary'),
    scope('createItem', 'POST', '/Accounts/{AccountSID}/Items'),
    scope('getNested', 'GET', '/Accounts/{AccountSID}/Items/{ItemId}/Parts/{PartId}'),
    scope('getSpecialPart', 'GET', '/Accounts/{AccountSID}/Items/Special/Parts/{PartId}'),
    scope('status', 'GET', '/Status'),
  ]);
  const id = (method: string, path: string) => {
    const found = table.match(method, segmentsOf(path));
    return typeof found === 'object' ? found.scope.id : found;
  };

  it('the most specific template wins: a literal segment beats a {param} at the same place', () => {
    expect(id('GET', '/Accounts/IR1/Items/Summary')).toBe('getItemSummary');
    expect(id('GET', '/Accounts/IR1/Items/42')).toBe('getItem');
    expect(id('GET', '/Accounts/IR1/Items/Special/Parts/1')).toBe('getSpecialPart');
    expect(id('GET', '/Accounts/IR1/Items/Other/Parts/1')).toBe('getNested');
  });

  it('falls back to the {param} branch when the literal branch has no match further down', () => {
    expect(id('GET', '/Accounts/IR1/Items/Summary/Parts/1')).toBe('getNested');
  });

  it('matches on the method and on whole segments', () => {
    expect(id('POST', '/Accounts/IR1/Items')).toBe('createItem');
    expect(id('DELETE', '/Accounts/IR1/Items')).toBeUndefined();
    expect(id('GET', '/Accounts/IR1')).toBeUndefined();
    expect(id('GET', '/Accounts/IR1/Items/1/Parts')).toBeUndefined();
  });

  it('a literal spelled in another letter case is ambiguous: case-sensitive and case-insensitive servers route it differently', () => {
    expect(id('GET', '/accounts/IR1/Items')).toBe(LETTER_CASE_DIFFERS);
    expect(id('GET', '/Accounts/IR1/items')).toBe(LETTER_CASE_DIFFERS);
    // {ItemId} for a case-sensitive server, the Summary endpoint for a case-insensitive one.
    expect(id('GET', '/Accounts/IR1/Items/summary')).toBe(LETTER_CASE_DIFFERS);
    expect(id('GET', '/STATUS')).toBe(LETTER_CASE_DIFFERS);
  });

  it('says where the Account SID sits in the template it matched', () => {
    const found = table.match('GET', segmentsOf('/Accounts/IR1/Items/7'));
    expect(found).toMatchObject({ scope: { id: 'getItem' }, accountSidAt: 1 });
    expect(table.match('GET', ['Status'])).toMatchObject({ accountSidAt: -1 });
  });

  it('knows a path for any method', () => {
    expect(table.knows(segmentsOf('/Accounts/IR1/Items'))).toBe(true);
    expect(table.knows(segmentsOf('/Accounts/IR1/Nothing'))).toBe(false);
    expect(table.knows(segmentsOf('/accounts/IR1/Items'))).toBe(LETTER_CASE_DIFFERS);
  });

  it('refuses a catalog whose templates spell one literal in two letter cases', () => {
    expect(() => new RouteTable([scope('a', 'GET', '/Things/Export'), scope('b', 'GET', '/Things/export/{Id}')])).toThrow(/letter case/);
  });

  it('every brand scope is found by its own template with its parameters filled in, in every version it exists in', () => {
    const tables = compileRouteTables(brand);
    for (const version of brand.versions.map((v) => v.version)) {
      const t = tables.get(version)!;
      for (const s of brand.scopesById.values()) {
        const found = t.match(s.method, splitPath(s.path).map((x) => (x.startsWith('{') ? 'X1' : x)));
        if (!isScopeInVersion(s, version)) continue;
        expect(typeof found === 'object' ? found.scope.path : found, `${s.method} ${s.path}`).toBe(s.path);
      }
    }
  });
});

describe('the route table equals the brute-force oracle', () => {
  const words = ['Items', 'items', 'Parts', 'Summary', 'summary', 'X'];

  it('on random catalogs of literal and {param} templates, for random targets in any letter case', () => {
    const templateSegment = fc.constantFrom('Items', 'Parts', 'Summary', '{p}');
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.array(templateSegment, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 12, selector: (s) => s.join('/') }),
        fc.array(fc.constantFrom(...words), { minLength: 1, maxLength: 4 }),
        (templates, target) => {
          const scopes = templates.map((segments, i) => scope(`s${i}`, 'GET', `/${segments.join('/')}`));
          const found = new RouteTable(scopes).match('GET', target);
          const expected = oracleMatch(scopes, 'GET', target);
          expect(typeof found === 'object' ? found.scope : found).toBe(expected);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('on the brand catalog, for every template filled with values, literals in random letter case', () => {
    const tables = compileRouteTables(brand);
    const scopes = [...brand.scopesById.values()];
    fc.assert(
      fc.property(
        fc.constantFrom(...scopes),
        fc.constantFrom(...brand.versions.map((v) => v.version)),
        fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE'),
        fc.constantFrom('IR1', '42', 'Export', 'export', 'Items', 'Summary', 'Actions'),
        fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
        (template, version, method, fill, flips) => {
          const target = splitPath(template.path).map((s, i) => (s.startsWith('{') ? fill : flips[i] ? s.toLowerCase() : s));
          const inVersion = scopes.filter((s) => isScopeInVersion(s, version));
          const found = tables.get(version)!.match(method, target);
          expect(typeof found === 'object' ? found.scope : found).toBe(oracleMatch(inVersion, method, target));
        },
      ),
      { numRuns: 5000 },
    );
  });
});
