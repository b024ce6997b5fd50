/**
 * PostgreSQL faults under two real `sidekey serve` processes: node A talks to PostgreSQL directly, node B
 * through a TCP proxy the test controls. For each fault: the processes stay up; a revoked secret is refused by
 * B within the staleness bound (or B fails closed with 503); no management call takes longer than 2 s; and B
 * serves again once the fault clears.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createContext } from '../../src/app/context.js';
import { loadConfig } from '../../src/config.js';
import { DIALECTS, createTestDatabase, type TestDatabase } from '../support/databases.js';
import { createBrand, type Brand } from '../support/fixtures.js';
import { FaultProxy, type ProxyMode, pollUntil, terminateBackends } from '../support/faults.js';
import { type NodeSession, type VerifyOutcome, accepted, manage, readiness, sharedEnvironment, signIn, verifyOn } from '../support/nodes.js';
import { type RunningServer, startSidekey } from '../support/servers.js';

const BOUND_MS = 1000;
const SLACK_MS = 1500;
/** "Recovers within 1 s of the fault clearing", plus the test's slack for a shared machine. */
const RECOVERY_MS = 1000 + SLACK_MS;
const MANAGEMENT_LIMIT_MS = 2000;

describe.runIf(DIALECTS.includes('postgres'))('PostgreSQL faults between a node and its database', () => {
  let db: TestDatabase;
  let proxy: FaultProxy;
  let a: RunningServer;
  let b: RunningServer;
  let brand: Brand;
  let onA: NodeSession;
  let onB: NodeSession;

  beforeAll(async () => {
    db = await createTestDatabase('postgres');
    const env = sharedEnvironment(db, { SIDEKEY_MAX_STALENESS_MS: String(BOUND_MS) });
    const setup = await createContext(loadConfig({ ...env, LOG_LEVEL: 'silent' }));
    brand = await createBrand(setup);
    await setup.close();
    const pgUrl = new URL(db.databaseUrl!);
    proxy = await FaultProxy.start({ host: pgUrl.hostname, port: Number(pgUrl.port || 5432) });
    [a, b] = await Promise.all([startSidekey(env), startSidekey({ ...env, DATABASE_URL: proxy.rewrite(db.databaseUrl!) })]);
    onA = await signIn(a.url, brand.emails.account_administrator);
    onB = await signIn(b.url, brand.emails.account_administrator);
  });
  afterAll(async () => {
    await proxy?.set('pass');
    await Promise.all([a?.stop(), b?.stop()]);
    await proxy?.close();
    await db?.drop();
  });
  beforeEach(async () => {
    await proxy.set('pass');
    await pollUntil(() => readiness(b.url), (r) => r.status === 200, 10_000, 'B ready before the test');
  });


  async function tokenCachedOnB() {
    const created = await manage(onA, 'POST', `/accounts/${brand.accountId}/tokens`, { name: `PG ${Math.random()}`, scopes: ['listActions'] });
    expect(created.status).toBe(201);
    const token = { id: created.body.token.id as string, sid: created.body.token.accountSid as string, secret: created.body.authToken as string };
    await pollUntil(() => verifyOn(b.url, token.sid, token.secret), accepted, 5_000, 'the new token on B');
    return token;
  }

  /**
   * After `revoke` returned: B refuses the old secret within the bound (+ slack), and from then on never accepts it
   * again while the fault lasts (`holdMs`). Returns B's first refusal.
   */
  async function refusedByB(token: { sid: string; secret: string }, holdMs: number): Promise<VerifyOutcome> {
    const refused = await pollUntil(() => verifyOn(b.url, token.sid, token.secret), (o) => !accepted(o), BOUND_MS + SLACK_MS, 'the revoked secret on B');
    const until = performance.now() + holdMs;
    while (performance.now() < until) expect(accepted(await verifyOn(b.url, token.sid, token.secret))).toBe(false);
    return refused.value;
  }

  it('a terminated idle PostgreSQL connection does not end the process', async () => {
    const token = await tokenCachedOnB();
    await new Promise((resolve) => setTimeout(resolve, 300)); // the pools' connections are idle now
    expect(await terminateBackends(db.databaseUrl!)).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(a.running()).toBe(true);
    expect(b.running()).toBe(true);
    const reset = await manage(onA, 'POST', `/accounts/${brand.accountId}/tokens/${token.id}/reset`);
    expect(reset.status).toBe(200);
    expect(reset.ms).toBeLessThan(MANAGEMENT_LIMIT_MS);
    expect((await refusedByB(token, 0)).code).toBe('INVALID_CREDENTIALS');
    await pollUntil(() => verifyOn(b.url, token.sid, reset.body.authToken), accepted, RECOVERY_MS, 'the new secret on B');
    expect(a.running() && b.running()).toBe(true);
  });

  it('a management call made right after its pooled connections were terminated succeeds: a dropped idle connection is replaced, not reported', async () => {
    const token = await tokenCachedOnB();
    for (let i = 0; i < 30; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      await terminateBackends(db.databaseUrl!);
      const reset = await manage(onA, 'POST', `/accounts/${brand.accountId}/tokens/${token.id}/reset`);
      expect(reset.status, JSON.stringify(reset.body)).toBe(200);
      expect(reset.ms).toBeLessThan(MANAGEMENT_LIMIT_MS);
    }
    expect(a.running() && b.running()).toBe(true);
  });

  it('a PostgreSQL partition: the cut-off node refuses a reset secret within the staleness bound (failing closed with 503), reports not ready, answers management calls within 2 s, and recovers when the partition heals', async () => {
    const token = await tokenCachedOnB();
    await proxy.set('blackhole');
    const reset = await manage(onA, 'POST', `/accounts/${brand.accountId}/tokens/${token.id}/reset`);
    expect(reset.status).toBe(200);
    const refusal = await refusedByB(token, 1_000);
    expect(['INVALID_CREDENTIALS', 'VERIFIER_UNAVAILABLE']).toContain(refusal.code);
    const answer = await verifyOn(b.url, token.sid, reset.body.authToken);
    expect(answer).toEqual({ status: 503, code: 'VERIFIER_UNAVAILABLE' }); // B cannot check even the new secret
    const ready = await readiness(b.url);
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ status: 'not_ready', changeFeed: { fresh: false } });
    const call = await manage(onB, 'POST', `/accounts/${brand.accountId}/tokens/${token.id}/disable`, undefined, 10_000);
    expect(call.ms).toBeLessThan(MANAGEMENT_LIMIT_MS);
    expect(call.status).toBe(503);
    expect(call.body).toMatchObject({ Status: 'ERROR' });
    expect(b.running()).toBe(true);

    await proxy.set('pass');
    const healed = performance.now();
    await pollUntil(() => verifyOn(b.url, token.sid, reset.body.authToken), accepted, RECOVERY_MS, 'the new secret on B after the partition');
    await pollUntil(() => readiness(b.url), (r) => r.status === 200, RECOVERY_MS - (performance.now() - healed) + 1000, 'B ready after the partition');
    expect(accepted(await verifyOn(b.url, token.sid, token.secret))).toBe(false);
  });

  for (const mode of ['reset', 'refuse'] as ProxyMode[]) {
    it(`connections ${mode === 'reset' ? 'reset' : 'refused'} by the network: the node stays up, refuses a disabled token within the bound, answers management calls within 2 s, and recovers`, async () => {
      const token = await tokenCachedOnB();
      await proxy.set(mode);
      const disable = await manage(onA, 'POST', `/accounts/${brand.accountId}/tokens/${token.id}/disable`);
      expect(disable.status).toBe(200);
      const refusal = await refusedByB(token, 500);
      expect(['TOKEN_DISABLED', 'VERIFIER_UNAVAILABLE']).toContain(refusal.code);
      const call = await manage(onB, 'POST', `/accounts/${brand.accountId}/tokens/${token.id}/enable`, undefined, 10_000);
      expect(call.ms).toBeLessThan(MANAGEMENT_LIMIT_MS);
      expect(call.status).toBe(503);
      expect(b.running()).toBe(true);
      await proxy.set('pass');
      await pollUntil(() => verifyOn(b.url, token.sid, token.secret), (o) => o.code === 'TOKEN_DISABLED', RECOVERY_MS, 'B reads the database again');
      const deleted = await manage(onB, 'DELETE', `/accounts/${brand.accountId}/tokens/${token.id}`);
      expect(deleted.status).toBe(204);
      expect(deleted.ms).toBeLessThan(MANAGEMENT_LIMIT_MS);
    });
  }
});
