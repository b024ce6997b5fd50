import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MAX_REQUEST_TARGET_LENGTH, parseRequestTarget } from '../../src/domain/request-target.js';

const accepted = (raw: string) => {
  const target = parseRequestTarget(raw);
  if (target.refused) throw new Error(`${JSON.stringify(raw)} was refused: ${target.reason}`);
  return target;
};
const refusal = (raw: string) => {
  const target = parseRequestTarget(raw);
  if (!target.refused) throw new Error(`${JSON.stringify(raw)} was accepted as ${target.canonical}`);
  return target;
};

describe('a request target is parsed once into its canonical form', () => {
  it('splits the path into segments and keeps the query as sent', () => {
    expect(accepted('/Advertisers/IR1/Actions?PageSize=5&Page=2')).toMatchObject({
      segments: ['Advertisers', 'IR1', 'Actions'],
      path: '/Advertisers/IR1/Actions',
      query: 'PageSize=5&Page=2',
      canonical: '/Advertisers/IR1/Actions?PageSize=5&Page=2',
    });
    expect(accepted('/')).toMatchObject({ segments: [], path: '/', query: undefined, canonical: '/' });
    expect(accepted('/a?')).toMatchObject({ query: '', canonical: '/a?' });
  });

  it('decodes escapes of letters, digits, - _ ~ and keeps every other allowed escape in upper-case hex', () => {
    expect(accepted('/%41dvertisers/IR1/%52eport%45xport/1').path).toBe('/Advertisers/IR1/ReportExport/1');
    expect(accepted('/a/%7e%5F%2d').segments).toEqual(['a', '~_-']);
    expect(accepted('/a/b%20c%2bd%3a').segments).toEqual(['a', 'b%20c%2Bd%3A']);
    expect(accepted('/a/b%20c').canonical).toBe('/a/b%20c');
  });

  it('reads IrVersion from the query in any letter case, with its name or value encoded', () => {
    expect(accepted('/a?IrVersion=12').versionParameter).toBe('12');
    expect(accepted('/a?x=1&irVERSION=13&y').versionParameter).toBe('13');
    expect(accepted('/a?Ir%56ersion=11').versionParameter).toBe('11');
    expect(accepted('/a?NotIrVersion=13').versionParameter).toBeUndefined();
    expect(accepted('/a').versionParameter).toBeUndefined();
  });

  it('refuses a _method parameter in any spelling: the upstream would run another method than the one checked', () => {
    expect(refusal('/a?_method=DELETE').status).toBe(403);
    expect(refusal('/a?_METHOD=DELETE').status).toBe(403);
    expect(refusal('/a?%5Fmethod=DELETE').status).toBe(403);
    expect(accepted('/a?x_method=DELETE').query).toBe('x_method=DELETE');
  });
});

describe('request targets Sidekey refuses, and why', () => {
  const cases: [string, 400 | 403, RegExp][] = [
    ['Advertisers/IR1', 400, /starting with '\/'/],
    ['http://x/Advertisers', 400, /starting with '\/'/],
    ['*', 400, /starting with '\/'/],
    ['', 400, /starting with '\/'/],
    ['/Catalogs/1#/Items/2', 400, /fragment/],
    ['/a?b#c', 400, /fragment/],
    ['/Items/;2', 403, /matrix/],
    ['/Advertisers;x=1/IR2/Actions', 403, /matrix/],
    ['/a?x=1;IrVersion=11', 403, /separator/],
    ['/a/..', 403, /'\.' or '\.\.'/],
    ['/a/./b', 403, /'\.' or '\.\.'/],
    ['/a/%2e%2e/b', 403, /encoded '\.'/],
    ['/a/.%2e/b', 403, /encoded '\.'/],
    ['/a/%2E/b', 403, /encoded '\.'/],
    ['/a%2Fb', 403, /encoded '\/'/],
    ['/a%2fb', 403, /encoded '\/'/],
    ['/a/%252e%252e', 403, /double encoding/],
    ['/a/%5c..', 403, /encoded '\\'/],
    ['/a\\..\\b', 400, /backslash|'\\'/],
    ['//x/Advertisers/IR2', 403, /empty segment/],
    ['/a//b', 403, /empty segment/],
    ['/a/', 403, /empty segment/],
    ['/a/%00', 403, /control/],
    ['/a/%0a', 403, /control/],
    ['/a/\u0000', 400, /control/],
    ['/a/\t', 400, /control/],
    ['/a b', 400, /space/],
    ['/a/\uff0e\uff0e/b', 400, /non-ASCII/],
    ['/a/%EF%BC%8E%EF%BC%8E', 403, /non-ASCII/],
    ['/a/\u2025', 400, /non-ASCII/],
    ['/a/\u00e9', 400, /non-ASCII/],
    ['/a/%C3%A9', 403, /non-ASCII/],
    ['/a/%3F', 403, /delimiter/],
    ['/a/%23', 403, /delimiter/],
    ['/a/%3b', 403, /delimiter/],
    ['/a/%4', 400, /malformed/],
    ['/a/%zz', 400, /malformed/],
    ['/a/%', 400, /malformed/],
    ['/a?x=%', 400, /malformed/],
    ['/a?x=%G1', 400, /malformed/],
    ['/a?x=\u00e9', 400, /non-ASCII/],
    ['/a?x= y', 400, /space/],
    ['/a/"b"', 400, /percent-encoded/],
    ['/a/<b>', 400, /percent-encoded/],
    ['/a?IrVersion=11&IrVersion=14', 403, /more than once/],
    ['/a?irversion=11&IRVERSION=14', 403, /more than once/],
    [`/${'a'.repeat(MAX_REQUEST_TARGET_LENGTH)}`, 400, /longer than/],
  ];
  for (const [raw, status, reason] of cases) {
    it(`${JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}…` : raw)} → ${status}`, () => {
      const refused = refusal(raw);
      expect(refused.status).toBe(status);
      expect(refused.reason).toMatch(reason);
    });
  }
});

describe('properties of the canonical form', () => {
  const unreserved = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_~'.split('');
  const pathChar = [...unreserved, '.', '!', '$', '&', "'", '(', ')', '*', '+', ',', '=', ':', '@'];
  const anyAscii = Array.from({ length: 128 }, (_, c) => String.fromCharCode(c));
  const encode = (c: string) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`;

  it('is a fixed point: parsing a canonical target gives it back unchanged', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...anyAscii, '%2e', '%41', '%2F', '%20', '%7e'), maxLength: 40 }), (tail) => {
        const first = parseRequestTarget(`/${tail}`);
        if (first.refused) return;
        const again = accepted(first.canonical);
        expect(again.canonical).toBe(first.canonical);
        expect(again.segments).toEqual(first.segments);
      }),
      { numRuns: 5000 },
    );
  });

  it('encoding any letter, digit, - _ ~ of a path changes nothing', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.constantFrom(...unreserved), { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 5 }), fc.array(fc.boolean(), { maxLength: 40 }), (segments, flips) => {
        let n = 0;
        const plain = `/${segments.map((s) => s.join('')).join('/')}`;
        const encoded = `/${segments.map((s) => s.map((c) => (flips[n++ % Math.max(flips.length, 1)] ? encode(c) : c)).join('')).join('/')}`;
        expect(accepted(encoded).canonical).toBe(plain);
      }),
      { numRuns: 3000 },
    );
  });

  it('an accepted target never holds a character or segment that servers read differently', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...anyAscii, ...pathChar, '%2e', '%2f', '%5c', '%25', '%3b', '%23', '%c3%a9', '\uff0e', '..', '//'), maxLength: 30 }), (tail) => {
        const target = parseRequestTarget(`/${tail}`);
        if (target.refused) return;
        for (const segment of target.segments) {
          expect(segment).not.toMatch(/[/\\;#?\s\u0000-\u001f\u007f-\uffff]|%2E|%2F|%5C|%25|%3B|%23|%3F|%[89A-F][0-9A-F]/i);
          expect(segment.length).toBeGreaterThan(0);
          expect(['.', '..']).not.toContain(segment);
        }
        expect(target.path).toBe(`/${target.segments.join('/')}`);
      }),
      { numRuns: 10000 },
    );
  });
});
