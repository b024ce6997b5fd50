/**
 * The durable change log on both databases: which mutations append a row, that the row lives and dies with its
 * mutation, and that a tailer on another node applies every committed change, in order, skipping none.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext, type Context } from '../../src/app/context.js';
import { ChangeFeed, type Change } from '../../src/changes/feed.js';
import { Freshness } from '../../src/changes/freshness.js';
import { ChangeLog } from '../../src/changes/log.js';
import { ChangeTailer } from '../../src/changes/tailer.js';
import { LISTENER_APPLICATION_NAME } from '../../src/changes/postgres-wakeups.js';
import { TokenService } from '../../src/tokens/service.js';
import { operator } from '../../src/domain/actor.js';
import { DIALECTS, createTestDatabase, describeEachDialect, testConfig, type TestDatabase } from '../support/databases.js';
import { createBrand, type Brand } from '../support/fixtures.js';
import { terminateBackends } from '../support/faults.js';
import { apiPath, issueToken } from '../verify/helpers.js';

async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describeEachDialect('the change log', (dialect) => {
  let db: TestDatabase;
  let a: Context;
  let b: Context;
  let brand: Brand;
  const heardByB: Change[] = [];
  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    // Eighty resets from two nodes queue on the append lock; on a loaded CI machine a queued one can wait past the
    // production deadline. Deadlines have their own tests (test/faults); here only order and completeness count.
    const config = { databaseTimeoutMs: 10_000 };
    a = await createContext(testConfig(db, config));
    b = await createContext(testConfig(db, config), { migrate: false });
    b.changes.subscribe((change) => heardByB.push(change));
    brand = await createBrand(a);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await db?.drop();
  });

  const rowsAfter = (seq: number) => a.store.db.selectFrom('change_log').selectAll().where('seq', '>', seq).orderBy('seq').execute();
  const verifyOn = (node: Context, issued: { authorization: string; accountSid: string }) => node.verifier.verify({ authorization: issued.authorization, method: 'GET', path: apiPath(issued.accountSid) });

  it('every mutation that affects verification appends one row, in commit order; creating and duplicating append none', async () => {
    const start = await a.changeLog.latest(a.store.db);
    const issued = await issueToken(a, brand, { apiVersion: 13 });
    await a.tokens.duplicate(brand.admin, brand.accountId, issued.tokenId);
    expect(await rowsAfter(start)).toEqual([]);
    await a.tokens.reset(brand.admin, brand.accountId, issued.tokenId);
    await a.tokens.setState(brand.admin, brand.accountId, issued.tokenId, 'disabled');
    await a.tokens.setState(brand.admin, brand.accountId, issued.tokenId, 'enabled');
    await a.tokens.update(brand.admin, brand.accountId, issued.tokenId, { description: 'edited' });
    await a.tokens.upgrade(brand.admin, brand.accountId, issued.tokenId, 14);
    await a.tokens.delete(brand.admin, brand.accountId, issued.tokenId);
    const fresh = await createBrand(a, { apiAccess: false });
    await a.tokens.enableApiAccess(operator('test'), fresh.accountId);
    await a.tokens.enableApiAccess(operator('test'), fresh.accountId); // already on: no change, no row
    await a.tokens.enableLegacyTokens(operator('test'), fresh.accountId);
    const rows = await rowsAfter(start);
    expect(rows.map((r) => [r.kind, r.token_id, r.account_id])).toEqual([
      ...Array.from({ length: 6 }, () => ['token', issued.tokenId, brand.accountId]),
      ['account', null, fresh.accountId],
      ['account', null, fresh.accountId],
    ]);
    expect(rows.every((r) => r.account_sid === null || r.account_sid === issued.accountSid)).toBe(true);
    const seqs = rows.map((r) => Number(r.seq));
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
  });

  it('the row is written in the mutation’s transaction: when appending fails, neither the change nor its audit event exists', async () => {
    const issued = await issueToken(a, brand);
    const before = await a.tokens.get(brand.admin, brand.accountId, issued.tokenId);
    const eventsBefore = await a.tokens.events(brand.admin, brand.accountId, issued.tokenId);
    const failing = new TokenService({
      store: a.store,
      catalog: a.catalog,
      keys: a.keys,
      accounts: a.accounts,
      audit: a.audit,
      changes: a.changes,
      changeLog: { append: async () => Promise.reject(new Error('the change log is full')) },
      sidPrefix: a.config.sidPrefix,
      revealMode: a.config.revealMode,
    });
    await expect(failing.reset(brand.admin, brand.accountId, issued.tokenId)).rejects.toThrow('the change log is full');
    await expect(failing.setState(brand.admin, brand.accountId, issued.tokenId, 'disabled')).rejects.toThrow('the change log is full');
    expect(await a.tokens.get(brand.admin, brand.accountId, issued.tokenId)).toEqual(before);
    expect(await a.tokens.events(brand.admin, brand.accountId, issued.tokenId)).toEqual(eventsBefore);
    expect((await verifyOn(a, issued)).code).toBe('ALLOWED');
  });

  it('a change made on node A reaches node B through the log: B drops the token and its freshness moves on', async () => {
    const issued = await issueToken(a, brand);
    expect((await verifyOn(b, issued)).code).toBe('ALLOWED');
    const confirmedBefore = b.verification.freshness.confirmedAt;
    await a.tokens.setState(brand.admin, brand.accountId, issued.tokenId, 'disabled');
    await eventually(() => heardByB.some((c) => c.kind === 'token' && c.tokenId === issued.tokenId));
    expect((await verifyOn(b, issued)).code).toBe('TOKEN_DISABLED');
    expect(b.verification.freshness.confirmedAt).toBeGreaterThan(confirmedBefore);
  });

  // On SQLite one node's writes are concurrent (one writer at a time is SQLite's own rule). Two connections in one
  // process would wait for each other's write lock inside one event loop: separate processes are tested elsewhere.
  const writers = () => (dialect === 'postgres' ? [a, b] : [a]);

  it('concurrent writers: another node’s tailer applies every committed change, skipping none', async () => {
    const tokens = await Promise.all(Array.from({ length: 8 }, () => issueToken(a, brand)));
    const log = new ChangeLog(a.store.dialect);
    const start = await log.latest(a.store.db);
    const heard: number[] = [];
    const feed = new ChangeFeed();
    const recording = {
      after: async (executor: Context['store']['db'], seq: number, limit: number) => {
        const rows = await log.after(executor, seq, limit);
        heard.push(...rows.map((r) => r.seq));
        return rows;
      },
      latest: (executor: Context['store']['db']) => log.latest(executor),
      prune: async () => 0,
    };
    const tailer = new ChangeTailer({ store: b.store, log: recording, feed, freshness: new Freshness(1000), now: Date.now, pollIntervalMs: 1 });
    await tailer.start();
    const writes = tokens.flatMap((t, i) => Array.from({ length: 10 }, (_, j) => writers()[(i + j) % writers().length].tokens.reset(brand.admin, brand.accountId, t.tokenId)));
    await Promise.all(writes);
    await tailer.poll();
    tailer.close();
    const committed = (await rowsAfter(start)).map((r) => Number(r.seq));
    expect(committed).toHaveLength(80);
    expect(heard.filter((seq) => seq > start)).toEqual(committed);
  });

  it.runIf(dialect === 'postgres')('sequence order is commit order: a change that took its sequence first but commits last is not skipped', async () => {
    const log = new ChangeLog(a.store.dialect);
    const start = await log.latest(a.store.db);
    const heard: number[] = [];
    const feed = new ChangeFeed();
    const tailer = new ChangeTailer({
      store: b.store,
      log: { after: async (executor, seq, limit) => { const rows = await log.after(executor, seq, limit); heard.push(...rows.map((r) => r.seq)); return rows; }, latest: (executor) => log.latest(executor), prune: async () => 0 },
      feed,
      freshness: new Freshness(1000),
      now: Date.now,
      pollIntervalMs: 60_000,
    });
    await tailer.start();
    const slow = await a.store.db.startTransaction().execute();
    await log.append(slow, { kind: 'account', accountId: brand.accountId }, brand.accountId);
    const quick = b.store.db.transaction().execute((trx) => log.append(trx, { kind: 'account', accountId: brand.accountId }, brand.accountId));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await tailer.poll(); // the quick one must not be visible ahead of the slow one
    await slow.commit().execute();
    await quick;
    await tailer.poll();
    tailer.close();
    const committed = (await rowsAfter(start)).map((r) => Number(r.seq));
    expect(committed).toHaveLength(2);
    expect(heard).toEqual(committed);
  });

  it('a node that was not current for longer than half the retention drops its whole cache when it catches up (rows it needed may be pruned)', async () => {
    const delivered: Change[] = [];
    const feed = new ChangeFeed();
    feed.subscribe((c) => delivered.push(c));
    let failing = false;
    const log = new ChangeLog(b.store.dialect);
    const tailer = new ChangeTailer({
      store: b.store,
      log: { after: (db, seq, limit) => (failing ? Promise.reject(new Error('partitioned')) : log.after(db, seq, limit)), latest: (db) => log.latest(db), prune: async () => 0 },
      feed,
      freshness: new Freshness(1000),
      now: Date.now,
      pollIntervalMs: 5,
      retentionMs: 200,
    });
    await tailer.start();
    await tailer.poll();
    expect(delivered).toEqual([]);
    failing = true;
    const meanwhile = await issueToken(a, brand); // another node commits while this one cannot read the log
    await a.tokens.reset(brand.admin, brand.accountId, meanwhile.tokenId);
    await new Promise((resolve) => setTimeout(resolve, 150));
    failing = false;
    await tailer.poll();
    tailer.close();
    expect(delivered).toContainEqual({ kind: 'all' });
  });

  it('rows older than the retention are pruned by whichever node polls', async () => {
    const old = Date.now() - 2 * 3_600_000;
    await a.store.db.insertInto('change_log').values({ kind: 'account', token_id: null, account_sid: null, account_id: brand.accountId, created_at: old }).execute();
    const log = new ChangeLog(b.store.dialect);
    const tailer = new ChangeTailer({ store: b.store, log, feed: new ChangeFeed(), freshness: new Freshness(1000), now: Date.now, pollIntervalMs: 1_000, pruneEveryMs: 0 });
    await tailer.start();
    await tailer.poll();
    tailer.close();
    const left = await a.store.db.selectFrom('change_log').select('seq').where('created_at', '<', Date.now() - 3_600_000).execute();
    expect(left).toEqual([]);
  });
});

describe.runIf(DIALECTS.includes('postgres'))('PostgreSQL LISTEN is only a wake-up', () => {
  let db: TestDatabase;
  let a: Context;
  let b: Context;
  let brand: Brand;
  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    a = await createContext(testConfig(db));
    // A long poll interval: B hears of changes by NOTIFY, or by its interval 10 s later.
    b = await createContext(testConfig(db), { migrate: false, verification: { pollIntervalMs: 10_000 } });
    brand = await createBrand(a);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await db?.drop();
  });

  const verifyOn = (node: Context, issued: { authorization: string; accountSid: string }) => node.verifier.verify({ authorization: issued.authorization, method: 'GET', path: apiPath(issued.accountSid) });

  it('a NOTIFY wakes the other node at once, and a lost LISTEN connection drops nothing: the node catches up from the log', async () => {
    const warm = await issueToken(a, brand);
    const issued = await issueToken(a, brand);
    expect((await verifyOn(b, warm)).code).toBe('ALLOWED');
    expect((await verifyOn(b, issued)).code).toBe('ALLOWED');
    await b.verification.tailer.poll(); // now B waits for its next NOTIFY (its interval is 10 s)
    const reset = performance.now();
    await a.tokens.reset(brand.admin, brand.accountId, issued.tokenId);
    await eventually(async () => (await verifyOn(b, issued)).code === 'INVALID_CREDENTIALS', 2_000);
    expect(performance.now() - reset).toBeLessThan(2_000);

    const again = await issueToken(a, brand);
    expect((await verifyOn(b, again)).code).toBe('ALLOWED');
    expect(await terminateBackends(db.databaseUrl!, { applicationName: LISTENER_APPLICATION_NAME })).toBe(2);
    await a.tokens.setState(brand.admin, brand.accountId, again.tokenId, 'disabled'); // perhaps while nobody listens
    await eventually(async () => (await verifyOn(b, again)).code === 'TOKEN_DISABLED', 5_000);
    const entry = b.verifier.cache.get(warm.accountSid, Date.now());
    expect(entry && !entry.negative).toBe(true); // the unrelated warm token was never dropped
  });
});
