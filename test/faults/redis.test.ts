/**
 * Redis faults under real `sidekey serve` processes sharing rate limits and wake-ups through a redis-server the
 * test owns. Redis only accelerates: hung or stopped, it holds up no management call, the other node still
 * refuses a revoked secret within the staleness bound (it reads the change log), and a node starts without it.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createContext } from '../../src/app/context.js';
import { loadConfig } from '../../src/config.js';
import { createTestDatabase, describeEachDialect, type TestDatabase } from '../support/databases.js';
import { createBrand, type Brand } from '../support/fixtures.js';
import { type OwnedRedis, pollUntil, startRedisServer } from '../support/faults.js';
import { type NodeSession, accepted, manage, readiness, sharedEnvironment, signIn, verifyOn } from '../support/nodes.js';
import { type RunningServer, startSidekey } from '../support/servers.js';

const BOUND_MS = 1000;
const SLACK_MS = 1500;
const MANAGEMENT_LIMIT_MS = 2000;

describeEachDialect('Redis faults', (dialect) => {
  let db: TestDatabase;
  let redis: OwnedRedis;
  let env: NodeJS.ProcessEnv;
  let a: RunningServer;
  let b: RunningServer;
  let brand: Brand;
  let onA: NodeSession;
  const started: RunningServer[] = [];

  beforeAll(async () => {
    db = await createTestDatabase(dialect);
    redis = await startRedisServer();
    // Show-once: a reset that never answered would lose its new Auth Token for good.
    env = sharedEnvironment(db, { SIDEKEY_MAX_STALENESS_MS: String(BOUND_MS), REDIS_URL: redis.url, REDIS_KEY_PREFIX: `faults-${dialect}:`, SIDEKEY_REVEAL: 'once' });
    const setup = await createContext(loadConfig({ ...env, REDIS_URL: '', LOG_LEVEL: 'silent' }));
    brand = await createBrand(setup);
    await setup.close();
    [a, b] = await Promise.all([startSidekey(env), startSidekey(env)]);
    started.push(a, b);
    onA = await signIn(a.url, brand.emails.account_administrator);
  });
  afterAll(async () => {
    redis?.resume();
    await Promise.all(started.map((p) => p.stop()));
    await redis?.stop();
    await db?.drop();
  });


  async function tokenCachedOn(node: RunningServer) {
    const created = await manage(onA, 'POST', `/accounts/${brand.accountId}/tokens`, { name: `Redis ${Math.random()}`, scopes: ['listActions'] }, 10_000);
    expect(created.status).toBe(201);
    expect(created.ms).toBeLessThan(MANAGEMENT_LIMIT_MS);
    const token = { id: created.body.token.id as string, sid: created.body.token.accountSid as string, secret: created.body.authToken as string };
    await pollUntil(() => verifyOn(node.url, token.sid, token.secret), accepted, 5_000, 'the new token');
    return token;
  }

  it('a hung Redis (SIGSTOP) holds up no reset, and the other node refuses the old secret within the staleness bound', async () => {
    const token = await tokenCachedOn(b);
    redis.pause();
    try {
      const reset = await manage(onA, 'POST', `/accounts/${brand.accountId}/tokens/${token.id}/reset`, undefined, 10_000);
      expect(reset.status).toBe(200);
      expect(reset.ms).toBeLessThan(MANAGEMENT_LIMIT_MS);
      expect(reset.body.authToken).toMatch(/^skt_/); // show-once: the new secret reached the user
      const refused = await pollUntil(() => verifyOn(b.url, token.sid, token.secret), (o) => !accepted(o), BOUND_MS + SLACK_MS, 'the old secret on B');
      expect(refused.value.code).toBe('INVALID_CREDENTIALS');
      // Rate limits fall back to local counting within their deadline: the new secret works on B meanwhile.
      const answer = await pollUntil(() => verifyOn(b.url, token.sid, reset.body.authToken), accepted, 3_000, 'the new secret on B');
      expect(answer.value.code).toBe('ALLOWED');
      await pollUntil(() => readiness(b.url), (r) => r.status === 200 && r.body.degraded.redisNotifications === true, 5_000, 'B reports Redis degraded');
    } finally {
      redis.resume();
    }
    await pollUntil(() => readiness(b.url), (r) => r.status === 200 && r.body.degraded.redisNotifications === false && r.body.degraded.redisRateLimits === false, 5_000, 'B back on Redis');
    expect(a.running() && b.running()).toBe(true);
  });

  it('a stopped Redis: management calls answer promptly, other nodes still converge, and a node started meanwhile starts degraded and uses Redis once it is back', async () => {
    const token = await tokenCachedOn(b);
    const port = redis.port;
    await redis.stop();
    const disable = await manage(onA, 'POST', `/accounts/${brand.accountId}/tokens/${token.id}/disable`, undefined, 10_000);
    expect(disable.status).toBe(200);
    expect(disable.ms).toBeLessThan(MANAGEMENT_LIMIT_MS);
    const refused = await pollUntil(() => verifyOn(b.url, token.sid, token.secret), (o) => !accepted(o), BOUND_MS + SLACK_MS, 'the disabled token on B');
    expect(refused.value.code).toBe('TOKEN_DISABLED');

    const c = await startSidekey(env);
    started.push(c);
    // Ready within the staleness bound of its start (its first change-feed poll may still be running), and degraded.
    const ready = await pollUntil(() => readiness(c.url), (r) => r.status === 200, BOUND_MS + SLACK_MS, 'C ready while Redis is down');
    expect(ready.value.body.degraded).toMatchObject({ redisRateLimits: true, redisNotifications: true });
    expect((await verifyOn(c.url, token.sid, token.secret)).code).toBe('TOKEN_DISABLED');
    const enable = await manage(await signIn(c.url, brand.emails.account_administrator), 'POST', `/accounts/${brand.accountId}/tokens/${token.id}/enable`, undefined, 10_000);
    expect(enable.status).toBe(200);
    expect(enable.ms).toBeLessThan(MANAGEMENT_LIMIT_MS);
    await pollUntil(() => verifyOn(b.url, token.sid, token.secret), accepted, BOUND_MS + SLACK_MS, 'the enabled token on B');

    redis = await startRedisServer(port);
    await pollUntil(() => readiness(c.url), (r) => r.status === 200 && r.body.degraded.redisRateLimits === false && r.body.degraded.redisNotifications === false, 10_000, 'C on Redis once it is back');
    expect([a, b, c].every((node) => node.running())).toBe(true);
  });
});
