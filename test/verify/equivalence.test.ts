/**
 * The hot path re-implements two domain rules in an allocation-free form; these properties hold each one
 * equal to the domain function it mirrors.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BASE62, generateAuthToken, isWellFormedAuthToken } from '../../src/domain/credentials.js';
import { compileMatchers, splitPath } from '../../src/domain/catalog.js';
import { hasValidChecksum } from '../../src/verify/parser.js';
import { compileRouteTables, pathSegments } from '../../src/verify/route-table.js';
import { brandCatalog } from './helpers.js';

describe('hasValidChecksum equals the domain isWellFormedAuthToken', () => {
  it('on real tokens, and on tokens with one character replaced, removed or added', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 0, max: 200 }), fc.constantFrom('replace', 'remove', 'add', 'none'), (seed, at, edit) => {
        let token = generateAuthToken();
        const i = at % token.length;
        const char = String.fromCharCode(32 + (seed % 95));
        if (edit === 'replace') token = token.slice(0, i) + char + token.slice(i + 1);
        if (edit === 'remove') token = token.slice(0, i) + token.slice(i + 1);
        if (edit === 'add') token = token.slice(0, i) + char + token.slice(i);
        expect(hasValidChecksum(token)).toBe(isWellFormedAuthToken(token));
      }),
      { numRuns: 3000 },
    );
  });

  it('on arbitrary strings shaped like tokens', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 36, maxLength: 36, unit: fc.constantFrom(...BASE62.split(''), 'é', '-', ' ') }), (body) => {
        const token = `skt_${body}`;
        expect(hasValidChecksum(token)).toBe(isWellFormedAuthToken(token));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('the route table matches what ScopeMatcher matches', () => {
  const catalog = brandCatalog();
  const matchers = compileMatchers(catalog);
  const tables = compileRouteTables(catalog);
  const scopes = [...catalog.scopesById.values()];
  const concretePath = (template: string, fill: string, upper: boolean) =>
    `/${splitPath(template)
      .map((s) => (s.startsWith('{') ? fill : upper ? s.toUpperCase() : s))
      .join('/')}`;

  it('for every scope of every version, with any parameter values, letter case, query and extra slashes', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...scopes),
        fc.constantFrom(...catalog.versions.map((v) => v.version)),
        fc.constantFrom(...['GET', 'POST', 'PUT', 'DELETE']),
        fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/),
        fc.boolean(),
        fc.constantFrom('', '?PageSize=5', '/', '//x'),
        (scope, version, method, fill, upper, tail) => {
          const path = concretePath(scope.path, fill, upper) + tail;
          expect(tables.get(version)!.match(method, pathSegments(path))?.id).toBe(matchers.get(version)!.match(method, path)?.id);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('splits paths as splitPath does', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[/a-z?=&]{0,30}$/), (path) => {
        expect(pathSegments(path)).toEqual(splitPath(path));
      }),
    );
  });
});
