import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createdOnRange, decodeCursor, encodeCursor, foldName, matchesFilter } from '../../src/domain/filters.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 6, 15, 12, 0, 0, 0);

describe('createdOn ranges (UTC, to the millisecond)', () => {
  const at = (createdAtMs: number) => ({ name: 'x', state: 'enabled' as const, createdAtMs });
  it.each([
    ['last7', NOW - 7 * DAY, true],
    ['last7', NOW - 7 * DAY - 1, false],
    ['last7', NOW, true],
    ['last30', NOW - 30 * DAY, true],
    ['last30', NOW - 30 * DAY - 1, false],
    ['older30', NOW - 30 * DAY, false],
    ['older30', NOW - 30 * DAY - 1, true],
    ['older30', 0, true],
  ] as const)('%s includes a token created at %i: %s', (filter, createdAtMs, expected) => {
    expect(matchesFilter(at(createdAtMs), { createdOn: filter }, NOW)).toBe(expected);
  });

  it('last30 and older30 never overlap and together cover everything; last7 is inside last30', () => {
    fc.assert(
      fc.property(fc.integer({ min: NOW - 400 * DAY, max: NOW + DAY }), (createdAtMs) => {
        const last7 = matchesFilter(at(createdAtMs), { createdOn: 'last7' }, NOW);
        const last30 = matchesFilter(at(createdAtMs), { createdOn: 'last30' }, NOW);
        const older30 = matchesFilter(at(createdAtMs), { createdOn: 'older30' }, NOW);
        expect(last30 !== older30).toBe(true);
        if (last7) expect(last30).toBe(true);
      }),
    );
    expect(createdOnRange('last7', NOW)).toEqual({ fromMs: NOW - 7 * DAY });
    expect(createdOnRange('older30', NOW)).toEqual({ beforeMs: NOW - 30 * DAY });
  });
});

describe('matchesFilter', () => {
  it('name is a case-insensitive "contains" that treats %, _ and \\ as plain characters', () => {
    const t = (name: string) => ({ name, state: 'enabled' as const, createdAtMs: NOW });
    expect(matchesFilter(t('Nightly Sync'), { name: 'SYNC' }, NOW)).toBe(true);
    expect(matchesFilter(t('Nightly Sync'), { name: 'ly s' }, NOW)).toBe(true);
    expect(matchesFilter(t('50% off'), { name: '0%' }, NOW)).toBe(true);
    expect(matchesFilter(t('500 off'), { name: '0%' }, NOW)).toBe(false);
    expect(matchesFilter(t('a_b'), { name: '_' }, NOW)).toBe(true);
    expect(matchesFilter(t('ab'), { name: '_' }, NOW)).toBe(false);
    expect(matchesFilter(t('C:\\path'), { name: ':\\p' }, NOW)).toBe(true);
  });

  it('names and terms are folded by lower-casing alone, and a term cut inside an emoji matches as the database sees it', () => {
    const t = (name: string) => ({ name, state: 'enabled' as const, createdAtMs: NOW });
    expect(foldName('İstanbul ÉTÉ Σ')).toBe('i̇stanbul été σ');
    expect(matchesFilter(t('Größe'), { name: 'GRÖSSE' }, NOW)).toBe(false); // no full case folding: ß stays ß
    expect(matchesFilter(t('İzmir'), { name: 'i̇z' }, NOW)).toBe(true);
    // The database receives a lone surrogate as U+FFFD, which no well-formed name contains.
    expect(foldName('a\uD83D')).toBe('a\uFFFD');
    expect(matchesFilter(t('deploy 😀 bot'), { name: '\uD83D' }, NOW)).toBe(false);
    expect(matchesFilter(t('deploy 😀 bot'), { name: '😀 B' }, NOW)).toBe(true);
  });

  it('combines name, state and createdOn with AND; an empty filter matches everything', () => {
    const token = { name: 'Looker', state: 'disabled' as const, createdAtMs: NOW - DAY };
    expect(matchesFilter(token, {}, NOW)).toBe(true);
    expect(matchesFilter(token, { name: 'look', state: 'disabled', createdOn: 'last7' }, NOW)).toBe(true);
    expect(matchesFilter(token, { name: 'look', state: 'enabled', createdOn: 'last7' }, NOW)).toBe(false);
    expect(matchesFilter(token, { name: 'look', state: 'disabled', createdOn: 'older30' }, NOW)).toBe(false);
    expect(matchesFilter(token, { name: 'zzz', state: 'disabled', createdOn: 'last7' }, NOW)).toBe(false);
  });
});

describe('list cursors', () => {
  it('round-trip any issued position', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 52 }), fc.stringMatching(/^[0-9A-Za-z_-]{1,64}$/), (createdAtMs, id) => {
        expect(decodeCursor(encodeCursor({ createdAtMs, id }))).toEqual({ createdAtMs, id });
      }),
    );
  });

  it('reject anything the server did not issue, without throwing', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200, unit: 'binary' }), (text) => {
        const decoded = decodeCursor(text);
        if (decoded) {
          expect(Number.isSafeInteger(decoded.createdAtMs)).toBe(true);
          expect(decoded.id).toMatch(/^[0-9A-Za-z_-]{1,64}$/);
        }
      }),
      { numRuns: 2000 },
    );
    for (const bad of ['', 'not-a-cursor', Buffer.from('abc').toString('base64url'), Buffer.from('.tok_1').toString('base64url'), Buffer.from('12.').toString('base64url'), Buffer.from(`12.${'x'.repeat(65)}`).toString('base64url'), Buffer.from("12.tok'; drop table tokens").toString('base64url')]) {
      expect(decodeCursor(bad), bad).toBeUndefined();
    }
  });
});
