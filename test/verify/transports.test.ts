/**
 * Cross-node invalidation with real peers: two service contexts (two "nodes") on one database, linked by
 * PostgreSQL LISTEN/NOTIFY or by Redis pub/sub; a lost link drops the cache and comes back by itself.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { Redis } from 'ioredis';
import { createContext, type Context } from '../../src/app/context.js';
import type { Change } from '../../src/tokens/changes.js';
import { LISTENER_APPLICATION_NAME } from '../../src/verify/transports/postgres.js';
import { DIALECTS, createTestDatabase, describeEachDialect, testConfig, type DialectName, type TestDatabase } from '../support/databases.js';
import { createBrand, type Brand } from '../support/fixtures.js';
import { REDIS_URL, apiPath, deleteRedisKeys, issueToken, uniqueRedisPrefix, type Issued } from './helpers.js';

interface TwoNodes {
  a: Context;
  b: Context;
  db: TestDatabase;
  brand: Brand;
  heardByB: Change[];
  close(): Promise<void>;
}

async function twoNodes(dialect: DialectName, redisKeyPrefix?: string): Promise<TwoNodes> {
  const db = await createTestDatabase(dialect);
  const config = testConfig(db, redisKeyPrefix ? { redisUrl: REDIS_URL } : {});
  const a = await createContext(config, { verification: { redisKeyPrefix } });
  const b = await createContext(config, { migrate: false, verification: { redisKeyPrefix } });
  const heardByB: Change[] = [];
  b.changes.subscribe((change) => heardByB.push(change));
  const brand = await createBrand(a);
  return {
    a,
    b,
    db,
    brand,
    heardByB,
    async close() {
      await b.close();
      await a.close();
      await db.drop();
    },
  };
}

const verifyOn = (node: Context, issued: Pick<Issued, 'authorization' | 'accountSid'>) =>
  node.verifier.verify({ authorization: issued.authorization, method: 'GET', path: apiPath(issued.accountSid) });

/** Resets the token on node A, then asks node B until it refuses the old secret; returns the delay in ms. */
async function crossNodeRevocationDelay(nodes: TwoNodes): Promise<number> {
  const issued = await issueToken(nodes.a, nodes.brand);
  expect((await verifyOn(nodes.b, issued)).code).toBe('ALLOWED'); // now cached on B
  await nodes.a.tokens.reset(nodes.brand.admin, nodes.brand.accountId, issued.tokenId);
  const returned = performance.now();
  while ((await verifyOn(nodes.b, issued)).code === 'ALLOWED') {
    if (performance.now() - returned > 1000) throw new Error('node B still accepts the old secret after one second');
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return performance.now() - returned;
}

async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.runIf(DIALECTS.includes('postgres'))('PostgreSQL LISTEN/NOTIFY between nodes', () => {
  let nodes: TwoNodes;
  beforeAll(async () => {
    nodes = await twoNodes('postgres');
  });
  afterAll(() => nodes.close());

  it('a reset on node A makes node B refuse the old secret well within a second', async () => {
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) delays.push(await crossNodeRevocationDelay(nodes));
    console.log(`cross-node revocation over NOTIFY (ms): ${delays.map((d) => d.toFixed(1)).join(', ')}`);
    expect(Math.max(...delays)).toBeLessThan(1000);
  });

  it('a node ignores its own messages (it applied them before the call returned)', async () => {
    const heardByA: Change[] = [];
    const stop = nodes.a.changes.subscribe((change) => heardByA.push(change));
    const issued = await issueToken(nodes.a, nodes.brand);
    await nodes.a.tokens.setState(nodes.brand.admin, nodes.brand.accountId, issued.tokenId, 'disabled');
    await eventually(() => nodes.heardByB.some((c) => c.kind === 'token' && c.tokenId === issued.tokenId));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(heardByA.filter((c) => c.kind === 'token' && c.tokenId === issued.tokenId)).toHaveLength(1);
    stop();
  });

  it('a lost LISTEN connection drops the whole cache, then the node listens again and hears changes', async () => {
    const issued = await issueToken(nodes.a, nodes.brand);
    await verifyOn(nodes.b, issued);
    nodes.heardByB.length = 0;
    const admin = new pg.Client({ connectionString: nodes.db.databaseUrl });
    await admin.connect();
    // Both nodes listen on this database; terminate every listener connection.
    await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and application_name = $1', [LISTENER_APPLICATION_NAME]);
    await eventually(() => nodes.heardByB.some((c) => c.kind === 'all'));
    await eventually(async () => (await admin.query('select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name = $1', [LISTENER_APPLICATION_NAME])).rows[0].n === 2);
    await eventually(() => !nodes.b.verifier.cache.isDegraded);
    await admin.end();
    expect(await crossNodeRevocationDelay(nodes)).toBeLessThan(1000);
  });
});

describeEachDialect('Redis pub/sub between nodes', (dialect) => {
  let nodes: TwoNodes;
  const prefix = uniqueRedisPrefix('pubsub');
  beforeAll(async () => {
    nodes = await twoNodes(dialect, prefix);
  });
  afterAll(async () => {
    await nodes.close();
    await deleteRedisKeys(prefix); // the rate-limit counters these nodes kept in Redis
  });

  it('a reset on node A makes node B refuse the old secret well within a second', async () => {
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) delays.push(await crossNodeRevocationDelay(nodes));
    console.log(`cross-node revocation over Redis [${dialect}] (ms): ${delays.map((d) => d.toFixed(1)).join(', ')}`);
    expect(Math.max(...delays)).toBeLessThan(1000);
  });

  it('a killed subscriber connection drops the whole cache; the node re-subscribes and hears changes', async () => {
    nodes.heardByB.length = 0;
    const redis = new Redis(REDIS_URL);
    const clients = ((await redis.client('LIST')) as string).split('\n').filter((line) => line.includes(` name=${prefix}subscriber `));
    expect(clients.length).toBe(2);
    for (const line of clients) await redis.client('KILL', 'ID', /id=(\d+)/.exec(line)![1]);
    await redis.quit();
    await eventually(() => nodes.heardByB.some((c) => c.kind === 'all'));
    await eventually(() => !nodes.b.verifier.cache.isDegraded);
    expect(await crossNodeRevocationDelay(nodes)).toBeLessThan(1000);
  });
});
