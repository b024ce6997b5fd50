import { describe, expect, it } from 'vitest';
import { newId, newSortableId } from '../../src/domain/ids.js';

describe('ids', () => {
  it('event ids written in one millisecond sort in the order they were made', () => {
    const ids = Array.from({ length: 50 }, () => newSortableId('evt', 1_790_000_000_000));
    expect([...ids].sort()).toEqual(ids);
  });

  it('event ids of a later millisecond sort after earlier ones', () => {
    const early = newSortableId('evt', 1_790_000_000_000);
    const late = newSortableId('evt', 1_790_000_000_001);
    expect(late > early).toBe(true);
  });

  it('entity ids are random, prefixed and never repeat', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newId('tok')));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^tok_[0-9A-Za-z]{20}$/);
  });
});
