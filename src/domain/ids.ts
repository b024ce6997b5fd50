import { randomBase62 } from './credentials.js';

/** Opaque ids with a readable type prefix (acc_, usr_, tok_, evt_); random, so they reveal no count or order. */
export const newId = (prefix: 'acc' | 'usr' | 'tok' | 'evt') => `${prefix}_${randomBase62(20)}`;
