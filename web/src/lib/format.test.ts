import { describe, expect, it } from 'vitest';
import { formatCount, formatDuration, pluralize } from './format.js';

describe('counts', () => {
  it('are grouped as the locale writes numbers, as toLocaleString() does', () => {
    expect(formatCount(1050)).toBe((1050).toLocaleString());
    expect(formatCount(7)).toBe('7');
  });

  it('name the thing counted in the singular for one and the plural otherwise', () => {
    expect(pluralize(1, 'token')).toBe('1 token');
    expect(pluralize(0, 'token')).toBe('0 tokens');
    expect(pluralize(1050, 'newest token')).toBe(`${(1050).toLocaleString()} newest tokens`);
    expect(pluralize(2, 'match', 'matches')).toBe('2 matches');
  });

  it('say a duration in its largest whole unit', () => {
    expect(formatDuration(86_400)).toBe('1 day');
    expect(formatDuration(7_200)).toBe('2 hours');
    expect(formatDuration(90)).toBe('90 seconds');
  });
});
