import { randomBase62 } from './credentials.js';

/** Opaque ids with a readable type prefix (acc_, usr_, tok_, evt_, lev_, whk_, whd_, eml_, exp_); random, so they reveal no count or order. */
export const newId = (prefix: 'acc' | 'usr' | 'tok' | 'whk' | 'whd' | 'eml' | 'exp') => `${prefix}_${randomBase62(20)}`;

let lastMs = 0;
let sequence = 0;

/**
 * Event ids sort in the order this process created them (time, then a per-millisecond sequence, then
 * randomness), so a trail ordered by (at, id) keeps the order of events written in the same millisecond.
 */
export function newSortableId(prefix: 'evt' | 'lev', nowMs = Date.now()): string {
  sequence = nowMs === lastMs ? sequence + 1 : 0;
  lastMs = nowMs;
  return `${prefix}_${nowMs.toString(36).padStart(9, '0')}${sequence.toString(36).padStart(4, '0')}${randomBase62(10)}`;
}
