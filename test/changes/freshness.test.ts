/**
 * Bounded staleness: a node answers from its cache only while it knows it is current. Past the bound it reads
 * each token again, and when the database does not answer in time it fails closed: 503 VERIFIER_UNAVAILABLE
 * with Retry-After, on every entrance (POST /v1/verify, GET /v1/auth, nginx style, the gateway).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.js';
import { Freshness } from '../../src/changes/freshness.js';
import type { TokenLoader } from '../../src/verify/verifier.js';
import { UsageRecorder } from '../../src/verify/usage.js';
import { findVerifiableToken } from '../../src/verify/repository.js';
import { createTestContext, describeEachDialect, type TestContext } from '../support/databases.js';
import { createBrand, type Brand } from '../support/fixtures.js';
import { apiPath, issueToken, ownVerifier } from '../verify/helpers.js';

const BOUND_MS = 1_000;

describeEachDialect('bounded staleness', (dialect) => {
  let t: TestContext;
  let brand: Brand;
  beforeAll(async () => {
    t = await createTestContext(dialect);
    brand = await createBrand(t.context);
  });
  afterAll(() => t.close());

  /** A verifier on the test's database with its own clock and freshness, whose reads are counted and can hang. */
  function node() {
    let clock = 1_000_000;
    let reads = 0;
    let hang = false;
    const freshness = new Freshness(BOUND_MS);
    const loader: TokenLoader = (sid) => {
      reads++;
      return hang ? new Promise(() => {}) : findVerifiableToken(t.context.store.db, sid);
    };
    const usage = new UsageRecorder({ store: t.context.store, flushIntervalMs: 3_600_000 });
    const verifier = ownVerifier(t.context, { freshness, readDeadlineMs: 100, usage, loader, now: () => clock });
    freshness.confirm(clock);
    return {
      verifier,
      freshness,
      reads: () => reads,
      hang: (value: boolean) => (hang = value),
      advance: (ms: number) => (clock += ms),
      confirm: () => freshness.confirm(clock),
      async close() {
        verifier.close();
        await usage.close();
      },
    };
  }

  it('within the bound a warm token is answered from the cache, synchronously; past it each verification reads the row again and sees a change no one announced', async () => {
    const issued = await issueToken(t.context, brand);
    // The shared context's tailer re-publishes every logged change (the brand's setup included), which evicts
    // cache entries; let it deliver all of them first, so only what this test does can reach the cache.
    await t.context.verification.tailer.poll();
    const n = node();
    const request = { authorization: issued.authorization, method: 'GET', path: apiPath(issued.accountSid) };
    expect((await n.verifier.verify(request)).code).toBe('ALLOWED');
    // Disabled behind every node's back: no change-log row, no notification.
    await t.context.store.db.updateTable('tokens').set({ state: 'disabled' }).where('id', '=', issued.tokenId).execute();
    n.advance(BOUND_MS);
    const cached = n.verifier.verify(request);
    expect(cached).not.toBeInstanceOf(Promise);
    expect((cached as { code: string }).code).toBe('ALLOWED');
    expect(n.reads()).toBe(1);
    n.advance(1);
    expect((await n.verifier.verify(request)).code).toBe('TOKEN_DISABLED');
    expect((await n.verifier.verify(request)).code).toBe('TOKEN_DISABLED');
    expect(n.reads()).toBe(3);
    n.confirm();
    expect((await n.verifier.verify(request)).code).toBe('TOKEN_DISABLED');
    expect(n.reads()).toBe(3);
    await n.close();
  });

  it('past the bound, a database that does not answer within the read deadline fails closed: 503 VERIFIER_UNAVAILABLE with Retry-After, never ALLOWED', async () => {
    const issued = await issueToken(t.context, brand);
    const n = node();
    const request = { authorization: issued.authorization, method: 'GET', path: apiPath(issued.accountSid) };
    expect((await n.verifier.verify(request)).code).toBe('ALLOWED');
    n.hang(true);
    n.advance(BOUND_MS + 1);
    const started = performance.now();
    const answer = await n.verifier.verify(request);
    expect(answer).toMatchObject({ valid: false, code: 'VERIFIER_UNAVAILABLE', status: 503, retryAfter: 1 });
    expect(answer.token).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(2_000);
    n.hang(false);
    expect((await n.verifier.verify(request)).code).toBe('ALLOWED'); // recovers with the database
    await n.close();
  });

  it('a cold token whose read fails is answered 503 VERIFIER_UNAVAILABLE, not an error', async () => {
    const issued = await issueToken(t.context, brand);
    const n = node();
    n.hang(true);
    expect(await n.verifier.verify({ authorization: issued.authorization, method: 'GET', path: apiPath(issued.accountSid) })).toMatchObject({ code: 'VERIFIER_UNAVAILABLE', status: 503 });
    await n.close();
  });

  it('every entrance answers VERIFIER_UNAVAILABLE as a 503 with Retry-After and the envelope (nginx style: 403 carrying X-Sidekey-Status 503)', async () => {
    const issued = await issueToken(t.context, brand);
    const n = node();
    n.hang(true);
    const context = { ...t.context, verifier: n.verifier, config: { ...t.context.config, upstreamUrl: 'http://127.0.0.1:9' } };
    const app: FastifyInstance = await buildApp(context, { logger: false });
    try {
      const verify = await app.inject({ method: 'POST', url: '/v1/verify', payload: { accountSid: issued.accountSid, authToken: issued.authToken, method: 'GET', path: apiPath(issued.accountSid) } });
      expect(verify.statusCode).toBe(200);
      expect(verify.json()).toMatchObject({ valid: false, code: 'VERIFIER_UNAVAILABLE', status: 503, retryAfter: 1 });

      const headers = { authorization: issued.authorization, 'x-original-uri': apiPath(issued.accountSid), 'x-original-method': 'GET' };
      const auth = await app.inject({ method: 'GET', url: '/v1/auth', headers });
      expect(auth.statusCode).toBe(503);
      expect(auth.headers['retry-after']).toBe('1');
      expect(auth.headers['x-sidekey-code']).toBe('VERIFIER_UNAVAILABLE');
      expect(auth.headers['www-authenticate']).toBeUndefined();
      expect(auth.json()).toMatchObject({ Status: 'ERROR', Code: 'VERIFIER_UNAVAILABLE', Errors: [{ Field: 'verifier' }] });

      const nginx = await app.inject({ method: 'GET', url: '/v1/auth', headers: { ...headers, 'x-sidekey-auth-style': 'nginx' } });
      expect(nginx.statusCode).toBe(403);
      expect(nginx.headers['x-sidekey-status']).toBe('503');
      expect(nginx.headers['retry-after']).toBe('1');

      const gateway = await app.inject({ method: 'GET', url: apiPath(issued.accountSid), headers: { authorization: issued.authorization } });
      expect(gateway.statusCode).toBe(503);
      expect(gateway.headers['retry-after']).toBe('1');
      expect(gateway.json()).toMatchObject({ Code: 'VERIFIER_UNAVAILABLE' });
    } finally {
      await app.close();
      await n.close();
    }
  });

  it('/healthz is liveness (200 while the process runs); /readyz reports the database, the change feed’s lag against the bound, and answers 503 past it', async () => {
    const app = await buildApp(t.context, { logger: false });
    try {
      // Booted, and then current as of now: on a loaded machine the app's boot alone can outlast the bound.
      await app.ready();
      await t.context.verification.tailer.poll();
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toMatchObject({
        status: 'ready',
        database: { dialect, reachable: true, deadlineMs: t.context.store.timeoutMs },
        changeFeed: { fresh: true, boundMs: t.context.config.maxStalenessMs },
        degraded: dialect === 'postgres' ? { postgresNotifications: false } : {},
      });
      expect(ready.json().changeFeed.lagMs).toBeLessThanOrEqual(t.context.config.maxStalenessMs);
      t.context.verification.tailer.close(); // this node stops confirming it is current
      await new Promise((resolve) => setTimeout(resolve, t.context.config.maxStalenessMs + 100));
      const stale = await app.inject({ method: 'GET', url: '/readyz' });
      expect(stale.statusCode).toBe(503);
      expect(stale.json()).toMatchObject({ status: 'not_ready', database: { reachable: true }, changeFeed: { fresh: false } });
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });
});
