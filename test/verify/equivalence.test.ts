/** The domain's allocation-free Auth Token check (run on every request) equals the plain reference of the format. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BASE62, checksumOf, generateAuthToken, isWellFormedAuthToken } from '../../src/domain/credentials.js';
import { isWellFormedAuthTokenReference } from '../support/token-format.js';

describe('isWellFormedAuthToken equals the reference format check', () => {
  it('on real tokens, and on tokens with one character replaced, removed or added', () => {
    fc.assert(
      fc.property(fc.nat(), fc.integer({ min: 0, max: 200 }), fc.constantFrom('replace', 'remove', 'add', 'none'), (seed, at, edit) => {
        let token = generateAuthToken();
        const i = at % token.length;
        const char = String.fromCharCode(32 + (seed % 95));
        if (edit === 'replace') token = token.slice(0, i) + char + token.slice(i + 1);
        if (edit === 'remove') token = token.slice(0, i) + token.slice(i + 1);
        if (edit === 'add') token = token.slice(0, i) + char + token.slice(i);
        expect(isWellFormedAuthToken(token)).toBe(isWellFormedAuthTokenReference(token));
      }),
      { numRuns: 3000 },
    );
  });

  it('on arbitrary strings shaped like tokens', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 36, maxLength: 36, unit: fc.constantFrom(...BASE62.split(''), 'é', '-', ' ') }), (body) => {
        const token = `skt_${body}`;
        expect(isWellFormedAuthToken(token)).toBe(isWellFormedAuthTokenReference(token));
      }),
      { numRuns: 3000 },
    );
  });

  it('on any random part with its checksum: both accept it', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 30, maxLength: 30, unit: fc.constantFrom(...BASE62.split('')) }), (random) => {
        const body = `skt_${random}`;
        const token = body + checksumOf(body);
        expect(isWellFormedAuthTokenReference(token)).toBe(true);
        expect(isWellFormedAuthToken(token)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});
