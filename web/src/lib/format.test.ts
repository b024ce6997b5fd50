import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatCount, formatDuration, pluralize } from './format.js';

describe('counts', () => {
  it('are grouped in threes with commas, as English writes them', () => {
    expect(formatCount(7)).toBe('7');
    expect(formatCount(999)).toBe('999');
    expect(formatCount(1050)).toBe('1,050');
    expect(formatCount(1_000_000)).toBe('1,000,000');
    expect(formatCount(-12_345)).toBe('-12,345');
    expect(formatCount(1234.5)).toBe('1,234.5');
  });

  it('read exactly as an English Intl.NumberFormat writes any whole number', () => {
    const english = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
    fc.assert(fc.property(fc.maxSafeInteger(), (count) => formatCount(count) === english.format(count)));
  });

  it('name the thing counted in the singular for one and the plural otherwise', () => {
    expect(pluralize(1, 'token')).toBe('1 token');
    expect(pluralize(0, 'token')).toBe('0 tokens');
    expect(pluralize(1050, 'newest token')).toBe('1,050 newest tokens');
    expect(pluralize(2, 'match', 'matches')).toBe('2 matches');
  });

  it('say a duration in its largest whole unit', () => {
    expect(formatDuration(86_400)).toBe('1 day');
    expect(formatDuration(7_200)).toBe('2 hours');
    expect(formatDuration(90)).toBe('90 seconds');
  });
});
