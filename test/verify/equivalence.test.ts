/**
 * The hot path re-implements a domain rule in an allocation-free form; these properties hold it equal to the
 * domain function it mirrors.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BASE62, generateAuthToken, isWellFormedAuthToken } from '../../src/domain/credentials.js';
import { hasValidChecksum } from '../../src/verify/parser.js';

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
