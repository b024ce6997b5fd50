/** The usage recorder's batched writes, on both databases. */
import { expect } from 'vitest';
import { describeEachStore, test } from '../support/fixtures.js';
import { findToken, readUsage } from '../../src/tokens/repository.js';
import { recordLastUsedBatch, recordUsageBatch } from '../../src/verify/repository.js';
import { UsageRecorder } from '../../src/verify/usage.js';
import { issueToken } from './helpers.js';

describeEachStore('usage batches', {}, () => {
  test('adds counts to what is stored, across more rows than one statement carries', async ({ context, brand }) => {
    const { tokenId } = await issueToken(context, brand);
    await recordUsageBatch(context.store.db, [{ tokenId, day: '2026-07-01', code: 'ALLOWED', count: 5 }]);
    const rows = [{ tokenId, day: '2026-07-01', code: 'ALLOWED', count: 2 }];
    for (let i = 0; i < 1200; i++) rows.push({ tokenId, day: `2026-07-01`, code: `C${i}`, count: i });
    await recordUsageBatch(context.store.db, rows);
    const stored = await readUsage(context.store.db, tokenId, '2026-07-01');
    expect(stored).toHaveLength(1201);
    expect(Number(stored.find((r) => r.code === 'ALLOWED')!.count)).toBe(7);
    expect(Number(stored.find((r) => r.code === 'C1199')!.count)).toBe(1199);
  });

  test('sets last used time and address, never moving it backwards', async ({ context, brand }) => {
    const a = await issueToken(context, brand);
    const b = await issueToken(context, brand);
    await recordLastUsedBatch(context.store.db, [
      { tokenId: a.tokenId, at: 2000, ip: '192.0.2.1' },
      { tokenId: b.tokenId, at: 3000, ip: null },
    ]);
    await recordLastUsedBatch(context.store.db, [{ tokenId: a.tokenId, at: 1000, ip: '192.0.2.9' }]);
    const [storedA, storedB] = await Promise.all([findToken(context.store.db, brand.accountId, a.tokenId), findToken(context.store.db, brand.accountId, b.tokenId)]);
    expect([storedA!.lastUsedAt, storedA!.lastUsedIp]).toEqual([2000, '192.0.2.1']);
    expect([storedB!.lastUsedAt, storedB!.lastUsedIp]).toEqual([3000, null]);
  });

  test('a flush of thousands of tokens is a handful of statements', async ({ context, brand }) => {
    let statements = 0;
    const db = context.store.db.withPlugin({
      transformQuery: (args) => {
        statements++;
        return args.node;
      },
      transformResult: async (args) => args.result,
    });
    const usage = new UsageRecorder({ store: { ...context.store, db }, flushIntervalMs: 3_600_000 });
    const { tokenId } = await issueToken(context, brand);
    for (let i = 0; i < 3000; i++) {
      usage.count(i === 0 ? tokenId : `tok_missing_${i}`, 'ALLOWED', Date.now());
      usage.markUsed(i === 0 ? tokenId : `tok_missing_${i}`, Date.now(), '198.51.100.1');
    }
    await usage.close();
    expect(statements).toBeLessThanOrEqual(14); // begin/commit + 6 + 6 chunks of 500
    const stored = await findToken(context.store.db, brand.accountId, tokenId);
    expect(stored!.lastUsedIp).toBe('198.51.100.1');
  });

  test('counts kept from a failed write are added to the later ones, each counter written once', async ({ context, brand }) => {
    const { tokenId } = await issueToken(context, brand);
    let fail = true;
    const db = {
      transaction: () => (fail ? { execute: async () => Promise.reject(new Error('database unavailable')) } : context.store.db.transaction()),
    };
    const errors: unknown[] = [];
    const usage = new UsageRecorder({ store: { ...context.store, db } as never, flushIntervalMs: 3_600_000, onError: (e) => errors.push(e) });
    const noon = Date.UTC(2026, 6, 1, 12);
    usage.count(tokenId, 'ALLOWED', noon);
    usage.count(tokenId, 'ALLOWED', noon);
    usage.count(tokenId, 'TOKEN_DISABLED', noon);
    await usage.flush();
    expect(errors).toHaveLength(1);
    fail = false;
    for (let i = 0; i < 3; i++) usage.count(tokenId, 'ALLOWED', noon + i);
    await usage.close();
    expect(errors).toHaveLength(1);
    const stored = await readUsage(context.store.db, tokenId, '2026-07-01');
    expect(stored.map((r) => [r.code, Number(r.count)]).sort()).toEqual([
      ['ALLOWED', 5],
      ['TOKEN_DISABLED', 1],
    ]);
  });
});
